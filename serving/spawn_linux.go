package serving

import (
	"os/exec"
	"syscall"
)

// setWorkerAttrs makes a worker die with the front end that started it.
func setWorkerAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
