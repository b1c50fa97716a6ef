//go:build !linux

package serving

import "os/exec"

func setWorkerAttrs(cmd *exec.Cmd) {}
