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
//
// Both descriptors are close-on-exec: a process the provider starts and
// leaves running (a detached training supervisor) must not hold mltf's
// stderr pipe open, or mltf waits for its end until the training ends.
func directStderr() func() {
	real, err := unix.FcntlInt(os.Stderr.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return func() {}
	}
	return func() {
		if fd := int(os.Stderr.Fd()); fd != real && fd != 2 {
			_ = unix.Dup3(real, fd, unix.O_CLOEXEC)
		}
	}
}
