package childproc

import "syscall"

// dieWithParent has the kernel kill the child when the process that started it dies.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
