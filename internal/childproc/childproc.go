// Package childproc starts the programs an executor runs so that they die with it, and tells
// an interrupted program from a failed one.
package childproc

import (
	"errors"
	"os/exec"
	"runtime"
	"syscall"
)

// Run runs cmd, with DieWithParent's attributes, from a locked OS thread: the kernel's
// parent-death signal fires when the thread that started the child exits, so the thread is
// kept until the child is reaped.
func Run(cmd *exec.Cmd) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd.SysProcAttr = dieWithParent()
	return cmd.Run()
}

// Interrupted reports whether err says the program ended by SIGINT or SIGTERM.
func Interrupted(err error) bool {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return false
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && (ws.Signal() == syscall.SIGINT || ws.Signal() == syscall.SIGTERM)
}
