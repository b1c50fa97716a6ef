package views

import (
	"testing"
	"time"

	"github.com/mltf/mltf/providers"
)

// TestETAFromStepRate: a run that took 30 s to start and then does a step
// a second has 90 s left at step 10 of 100, not the 360 s that scaling the
// whole elapsed time gives.
func TestETAFromStepRate(t *testing.T) {
	var c stepClock
	at := func(step int64, elapsed time.Duration) time.Duration {
		return c.eta("training.mlp", &providers.Progress{Step: step, Total: 100, Elapsed: elapsed})
	}
	if got := at(0, 20*time.Second); got != 0 {
		t.Errorf("before the first step: ETA %s", got)
	}
	if got := at(1, 31*time.Second); got != 0 {
		t.Errorf("at the first step: ETA %s, want none yet", got)
	}
	if got := at(10, 40*time.Second); got != 90*time.Second {
		t.Errorf("at step 10: ETA %s, want 1m30s", got)
	}
	if got := ProgressText(&providers.Progress{Step: 10, Total: 100, Elapsed: 40 * time.Second}, 90*time.Second); got != "running [step 10/100, 40s elapsed, ETA 1m30s]" {
		t.Errorf("ProgressText = %q", got)
	}
}
