//go:build !linux

package official

import "syscall"

func scriptAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
