package runner

import (
	"os/exec"
	"syscall"
	"unsafe"
)

// childAttr puts a child in its own process group, so the runner decides what a Ctrl-C does
// to it, and has the kernel send it SIGTERM when the runner dies: the child (dieWithParent)
// then kills its whole group, its command's children included, so no orphan outlives a
// crash of the runner, SIGKILL included. (A SIGKILL here would kill the child alone and
// leave its command's children running.)
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// waitAndClearGroup waits for cmd to exit, kills what is left in its process group, then
// reaps it. Until it is reaped the exited child keeps its PID, which is the group's ID, so
// the kill cannot reach a group that took that number since.
func waitAndClearGroup(cmd *exec.Cmd) error {
	pid := cmd.Process.Pid
	var info [128]byte // siginfo_t
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), uintptr(unsafe.Pointer(&info)),
			syscall.WEXITED|wNoWait, 0, 0)
		if errno != syscall.EINTR {
			break
		}
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	return cmd.Wait()
}

// waitid's idtype P_PID and option WNOWAIT (leave the child waitable).
const (
	pPID    = 1
	wNoWait = 0x1000000
)
