package examples_test

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

// sweepEpochs reads mltf sweeps show: the epochs the trials ran (a
// complete trial its 20, a pruned one up to the epoch of its last
// report) and the best accuracy.
func sweepEpochs(t *testing.T, dir string, env []string, name string) (epochs int, best float64, trials int) {
	t.Helper()
	show := e2e.RunEnv(t, dir, env, 0, "sweeps", "show", name).Stdout
	const stepsPerEpoch, maxEpochs = 23, 20
	for _, l := range strings.Split(show, "\n") {
		f := strings.Fields(l)
		if len(f) < 5 || (f[1] != "complete" && f[1] != "pruned") {
			continue
		}
		trials++
		col := 2 // after the marks, "(best)", "(reused)" or "(best, reused)"
		for strings.HasPrefix(f[2], "(") && col < len(f)-2 && !strings.HasSuffix(f[col], ")") {
			col++
		}
		if strings.HasPrefix(f[2], "(") {
			col++
		}
		v, _ := strconv.ParseFloat(f[col], 64)
		if f[1] == "complete" {
			best = math.Max(best, v)
			epochs += maxEpochs
			continue
		}
		step, _ := strconv.Atoi(f[col+1])
		epochs += (step + stepsPerEpoch - 1) / stepsPerEpoch
	}
	return epochs, best, trials
}

// TestSweepASHAPays runs examples/sweep: 27 trials of the quickstart's
// digits training with ASHA and the same 27 without early stopping. ASHA
// must use at most 40% of the epochs and find a best accuracy within half
// a point.
func TestSweepASHAPays(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 54 digits models")
	}
	env := e2e.Torch(t)
	root := t.TempDir()
	dir := filepath.Join(root, "sweep")
	e2e.CopyInto(t, "sweep", dir)
	e2e.CopyInto(t, "quickstart", filepath.Join(root, "quickstart")) // the trials' code and data
	e2e.RunEnv(t, dir, env, 0, "init")
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	asha, bestASHA, n1 := sweepEpochs(t, dir, env, "digits")
	full, bestFull, n2 := sweepEpochs(t, dir, env, "digits_full")
	t.Logf("ASHA: %d epochs, best %.4f; no pruning: %d epochs, best %.4f", asha, bestASHA, full, bestFull)
	if n1 != 27 || n2 != 27 {
		t.Fatalf("%d and %d trials, want 27 each", n1, n2)
	}
	// Trials run one at a time, so both sweeps are deterministic; ASHA
	// (η = 4) ran 215 of the 540 epochs (39.8%) when this was written.
	if float64(asha) > 0.4*float64(full) {
		t.Errorf("ASHA used %d epochs, more than 40%% of %d", asha, full)
	}
	if bestASHA < bestFull-0.005 {
		t.Errorf("ASHA's best accuracy %.4f is more than half a point below %.4f", bestASHA, bestFull)
	}
}
