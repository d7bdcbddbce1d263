//go:build unix && !linux

package runner

import (
	"os/exec"
	"syscall"
)

// childAttr puts a child in its own process group, so the runner decides what a Ctrl-C does
// to it. Only Linux can also signal the child when the runner dies; the child notices
// within a second anyway (dieWithParent).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// waitAndClearGroup waits for cmd, then kills what is left in its process group.
func waitAndClearGroup(cmd *exec.Cmd) error {
	err := cmd.Wait()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	return err
}
