//go:build unix

package plugin

import (
	"os"

	"golang.org/x/sys/unix"
)

// directStderr undoes go-plugin's redirection of os.Stderr into its stdio
// stream, whose asynchronous copy loses the last lines of a plugin that
// exits at once. It dups the real stderr now, and the returned function
// (run at the first call, when go-plugin has redirected os.Stderr) points
// the redirected descriptor back at it, so every stderr line reaches
// mltf's fault diagnostics in order.
func directStderr() func() {
	real, err := unix.Dup(int(os.Stderr.Fd()))
	if err != nil {
		return func() {}
	}
	return func() {
		if fd := int(os.Stderr.Fd()); fd != real && fd != 2 {
			_ = unix.Dup2(real, fd)
		}
	}
}
