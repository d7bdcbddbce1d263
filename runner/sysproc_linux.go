package runner

import "syscall"

// childAttr puts a child in its own process group, so the runner decides what a Ctrl-C does
// to it, and has the kernel kill it when the runner dies, so no orphan outlives a crash.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
