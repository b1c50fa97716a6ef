package registry_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/providertest"
	"github.com/mltf/mltf/state/tracking"
)

// TestModelConformance runs the conformance suite on the model kind
// through the plugin process: create from one run, update to a second run
// (a new version through the gate), read, destroy.
func TestModelConformance(t *testing.T) {
	newProvider := func(t *testing.T) providers.Interface { return e2e.BundledProvider(t, "registry") }
	model := func(runID string, accuracy float64) cty.Value {
		gate := cty.ObjectVal(map[string]cty.Value{
			"condition": schema.ExpressionValue("self.current == null || self.candidate.metrics.accuracy >= self.current.metrics.accuracy", "main.mltf.hcl", 12, 17, nil),
			"message":   schema.ExpressionValue(`"worse than production"`, "main.mltf.hcl", 13, 17, nil),
		})
		return cty.ObjectVal(map[string]cty.Value{
			"from":           trainingValue(runID, "finished", accuracy, ""),
			"name":           cty.NullVal(cty.String),
			"aliases":        cty.ListVal([]cty.Value{cty.StringVal("production")}),
			"version":        cty.NullVal(cty.Number),
			"gate":           cty.TupleVal([]cty.Value{gate}),
			"latest_version": cty.NullVal(cty.Number),
			"aliases_at":     cty.NullVal(cty.Map(cty.Number)),
			"uri":            cty.NullVal(cty.String),
			"gate_results":   cty.NullVal(cty.List(gateResultTypeForTest)),
		})
	}
	providertest.Run(t, newProvider, providertest.Cases{
		Settings: func(t *testing.T) providers.Settings {
			dir := t.TempDir()
			seedRuns(t, dir, map[string]float64{"run-1": 0.9, "run-2": 0.95})
			return providers.Settings{WorkDir: dir, TrackingURL: "sqlite://.mltf/tracking.db", ArtifactsURL: "file://.mltf/artifacts"}
		},
		Resources: []providertest.Case{{
			Name:   "model",
			Kind:   "model",
			Config: model("run-1", 0.9),
			Update: model("run-2", 0.95),
		}},
	})
}

var gateResultTypeForTest = cty.Object(map[string]cty.Type{
	"alias": cty.String, "candidate": cty.Number, "current": cty.Number, "gate": cty.Number,
	"passed": cty.Bool, "message": cty.String, "values": cty.String,
})

// seedRuns records finished runs with artifacts in dir's tracking store.
func seedRuns(t *testing.T, dir string, runs map[string]float64) {
	t.Helper()
	ctx := context.Background()
	s, err := tracking.Open(ctx, "sqlite://.mltf/tracking.db", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, err := s.CreateExperiment(ctx, tracking.Experiment{Name: "digits"})
	if err != nil {
		t.Fatal(err)
	}
	for id, acc := range runs {
		art := filepath.Join(dir, ".mltf", "artifacts", "runs", id)
		os.MkdirAll(art, 0o755)
		os.WriteFile(filepath.Join(art, "model.pt"), []byte(id), 0o644)
		err := s.CreateRun(ctx, tracking.Run{ID: id, ExperimentID: e.ID, Status: tracking.StatusFinished,
			Params: json.RawMessage(`{"lr":0.05}`), ArtifactURI: "file://" + art, Metrics: map[string]float64{"accuracy": acc},
			Started: time.Now(), Finished: time.Now(), Address: "training.mlp"})
		if err != nil {
			t.Fatal(err)
		}
	}
}
