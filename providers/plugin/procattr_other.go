//go:build !linux

package plugin

import "syscall"

// procAttr: outside Linux, plugins are ended by Close and CleanupClients
// only.
func procAttr() *syscall.SysProcAttr { return nil }
