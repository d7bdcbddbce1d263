package official

import "syscall"

// scriptAttr has the kernel kill the script when this process dies.
func scriptAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
