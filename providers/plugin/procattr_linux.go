package plugin

import "syscall"

// procAttr makes the kernel kill the plugin when mltf dies, even by
// SIGKILL, so no plugin process outlives it.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
