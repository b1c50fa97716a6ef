// Command mltf-supervisor supervises one local training run: it starts the
// run's ranks, restarts them from checkpoints, and records their status,
// logs and metrics in the run directory, detached from mltf.
//
// The local provider starts one per run. mltf does the same job itself as
// the hidden command "mltf internal-supervise", but that binary carries
// every provider and store and takes a tenth of a second or more to start;
// this one holds only the supervisor, so a run (or a sweep's trial) starts
// in a few milliseconds. mltf uses it when it lies next to the mltf
// executable and speaks the same run-directory protocol.
//
//	mltf-supervisor RUN_DIR
//	mltf-supervisor -protocol
package main

import (
	"fmt"
	"os"

	"github.com/mltf/mltf/providers/local/launcher"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-protocol" {
		fmt.Println(launcher.Protocol)
		return
	}
	os.Exit(launcher.SupervisorMain(os.Args[1:]))
}
