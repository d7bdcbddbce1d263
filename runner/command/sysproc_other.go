//go:build !linux

package command

import "syscall"

func commandAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
