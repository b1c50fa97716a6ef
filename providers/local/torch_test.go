package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
)

// quickstartDir is examples/quickstart, the working directory of the
// PyTorch tests (their runs go to a temporary directory).
func quickstartDir(t testing.TB) string {
	d, err := filepath.Abs(filepath.Join("..", "..", "examples", "quickstart"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func quickstartVars(pool cty.Value, epochs int) map[string]cty.Value {
	return map[string]cty.Value{"pool": pool, "python": cty.StringVal(torchPython), "epochs": cty.NumberIntVal(int64(epochs))}
}

// TestQuickstart trains examples/quickstart for real: 2 ranks of PyTorch
// DDP over gloo. Planning it again changes nothing, and a second
// workspace with the same tracking store reuses the run.
func TestQuickstart(t *testing.T) {
	needTorch(t)
	runs := filepath.Join(t.TempDir(), "runs")
	h := newHarness(t, quickstartDir(t), runs)
	cfg := config(t, "quickstart.mltf.hcl", quickstartVars(h.pool("cpu", 2), 20))
	ev := &events{}
	_, ar := h.planApply(t.Context(), null(), cfg, ev)
	if ar.Diagnostics.HasErrors() {
		t.Fatal(ar.Diagnostics)
	}
	if got := str(ar.New, "status"); got != training.StatusFinished {
		t.Fatalf("status %q, want finished", got)
	}
	if acc := num(ar.New, "metrics", "accuracy"); acc < 0.9 {
		t.Errorf("held-out accuracy %.3f, want at least 0.9", acc)
	}
	uri := str(ar.New, "artifact_uri")
	if _, err := os.Stat(filepath.Join(strings.TrimPrefix(uri, "file://"), "model.pt")); err != nil {
		t.Errorf("model.pt not uploaded to %s: %v", uri, err)
	}
	if p := ev.of(providers.EventPartial); len(p) != 1 || str(p[0].Partial, "status") != training.StatusRunning {
		t.Errorf("partial events %d, want one with status running", len(p))
	}
	if len(ev.of(providers.EventMetric)) == 0 || len(ev.of(providers.EventProgress)) == 0 || len(ev.of(providers.EventLog)) == 0 {
		t.Errorf("events: %d metric, %d progress, %d log; want some of each",
			len(ev.of(providers.EventMetric)), len(ev.of(providers.EventProgress)), len(ev.of(providers.EventLog)))
	}
	run := h.tracker.runs[str(ar.New, "run_id")]
	if run.Status != training.StatusFinished || run.Env["python"] == "" || run.Env["torch"] == "" || len(h.tracker.points) == 0 {
		t.Errorf("tracked run %+v with %d points; want finished, python and torch versions, points", run, len(h.tracker.points))
	}

	prior := instance{Value: ar.New, Private: ar.Private}
	if pr := h.plan(prior, cfg); !pr.Planned.RawEquals(prior.Value) || len(pr.RequiresReplace) > 0 {
		t.Errorf("unchanged config plans a change: %v", pr.Reasons)
	}

	// A second workspace sharing the tracking store, with its own runs.
	h2 := newHarness(t, quickstartDir(t), filepath.Join(t.TempDir(), "runs"))
	h2.tracker = h.tracker
	if r := h2.p.Configure(context.Background(), providers.ConfigureRequest{Settings: h2.s}); r.Diagnostics.HasErrors() {
		t.Fatal(r.Diagnostics)
	}
	pr := h2.plan(null(), config(t, "quickstart.mltf.hcl", quickstartVars(h2.pool("cpu", 2), 20)))
	want := "reuses finished run " + str(ar.New, "run_id")[:8] + "… with the same fingerprint"
	if len(pr.Reasons) != 1 || pr.Reasons[0] != want {
		t.Fatalf("second workspace plan reasons %v, want %q", pr.Reasons, want)
	}
	ar2 := h2.apply(t.Context(), null(), pr, cfg, &events{})
	if str(ar2.New, "run_id") != str(ar.New, "run_id") || h.tracker.created != 1 {
		t.Errorf("second workspace ran %s (%d runs created), want it to adopt %s", str(ar2.New, "run_id"), h.tracker.created, str(ar.New, "run_id"))
	}
}

// TestKilledRankResumesFromCheckpoint SIGKILLs rank 1 mid-training: all
// ranks restart from the newest committed checkpoint and the run finishes
// with the restart counted.
func TestKilledRankResumesFromCheckpoint(t *testing.T) {
	needTorch(t)
	runs := filepath.Join(t.TempDir(), "runs")
	h := newHarness(t, quickstartDir(t), runs)
	cfg := config(t, "quickstart.mltf.hcl", quickstartVars(h.pool("cpu", 2), 200))
	var runID string
	killed := make(chan struct{})
	ev := &events{}
	ev.on = func(e providers.Event) {
		switch {
		case e.Type == providers.EventPartial:
			runID = str(e.Partial, "run_id")
		case e.Type == providers.EventProgress && runID != "" && killed != nil:
			st, err := launcher.ReadStatus(filepath.Join(runs, runID))
			if err == nil && st.Checkpoint != "" && st.Attempt == 1 {
				syscall.Kill(st.Attempts[0].PIDs[1], syscall.SIGKILL)
				close(killed)
				killed = nil
			}
		}
	}
	_, ar := h.planApply(t.Context(), null(), cfg, ev)
	if ar.Diagnostics.HasErrors() {
		t.Fatal(ar.Diagnostics)
	}
	if killed != nil {
		t.Fatal("the training ended before a checkpoint was committed; nothing was killed")
	}
	if got := num(ar.New, "restarts", "infrastructure"); got != 1 {
		t.Errorf("restarts.infrastructure = %v, want 1", got)
	}
	st, _ := launcher.ReadStatus(filepath.Join(runs, runID))
	resume := st.Attempts[1].ResumeFrom
	if resume == "" {
		t.Fatal("the second attempt did not resume from a checkpoint")
	}
	for r := range 2 {
		b, _ := os.ReadFile(filepath.Join(runs, runID, "logs", "rank-"+string(rune('0'+r))+".log"))
		if !strings.Contains(string(b), "resumed from "+resume) {
			t.Errorf("rank %d did not resume from %s", r, resume)
		}
	}
	if acc := num(ar.New, "metrics", "accuracy"); acc < 0.9 {
		t.Errorf("held-out accuracy %.3f after the restart, want at least 0.9", acc)
	}
}
