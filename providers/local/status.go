package local

import (
	"time"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
)

// RunStatus reads what a local run's own status file says, so that its
// final status and metrics are known without an apply following it. ok is
// false when runsDir holds no status of the run.
func RunStatus(runsDir, runID string) (status string, metrics map[string]float64, finished time.Time, ok bool) {
	st, err := launcher.ReadStatus(runDir(providers.Settings{RunsDir: runsDir}, runID))
	if err != nil {
		return "", nil, time.Time{}, false
	}
	return statusOf(st.State), st.Metrics, st.Finished, true
}
