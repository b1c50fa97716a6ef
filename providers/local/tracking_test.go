package local

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state/tracking"
)

// TestTrackingStoreRecordsRun applies a training against a real SQLite
// tracking store: the run, its final metrics and every metric point are
// recorded, and a second plan of the same training elsewhere reuses it.
func TestTrackingStoreRecordsRun(t *testing.T) {
	work, runs := shellWork(t)
	db := "sqlite://" + filepath.Join(t.TempDir(), "tracking.db")
	p := NewWithOptions(Options{Supervisor: supervisorCommand()})
	s := providers.Settings{WorkDir: work, Workspace: "default", TrackingURL: db, RunsDir: runs,
		ArtifactsURL: "file://" + filepath.Join(t.TempDir(), "artifacts")}
	if r := p.Configure(t.Context(), providers.ConfigureRequest{Settings: s}); r.Diagnostics.HasErrors() {
		t.Fatal(r.Diagnostics)
	}
	h := &harness{t: t, p: p, s: s}
	defer p.Close()
	cfg := config(t, "shell.mltf.hcl", shellVars(h.pool("cpu", 2), `
echo 'mltf.metric {"step": 1, "loss": 0.5}'
echo 'mltf.metric {"step": 2, "loss": 0.25}'`))
	_, ar := h.planApply(t.Context(), null(), cfg, &events{})
	if ar.Diagnostics.HasErrors() || len(ar.Diagnostics) > 0 {
		t.Fatal(ar.Diagnostics)
	}
	p.Close()

	store, err := tracking.Open(context.Background(), db, work)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	run, err := store.GetRun(t.Context(), str(ar.New, "run_id"))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != tracking.StatusFinished || run.Fingerprint != str(ar.New, "fingerprint") || run.Address != "training.mlp" || run.Metrics["loss"] != 0.25 {
		t.Errorf("recorded run %+v; want finished with its fingerprint, address and final loss", run)
	}
	hist, err := store.MetricHistory(t.Context(), run.ID, "loss")
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, pt := range hist {
		got = append(got, pt.Value)
	}
	if d := cmp.Diff([]float64{0.5, 0.25}, got); d != "" {
		t.Errorf("loss history (-want +got):\n%s", d)
	}
}
