package command

import "syscall"

// commandAttr has the kernel kill the command's shell when this process dies.
func commandAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
