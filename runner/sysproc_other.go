//go:build unix && !linux

package runner

import "syscall"

// childAttr puts a child in its own process group, so the runner decides what a Ctrl-C does
// to it. Only Linux can also tie the child's life to the runner's.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
