package trackingtest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state/tracking"
)

// withRun returns a store holding one finished run.
func withRun(t *testing.T, newURL NewURL) (*tracking.Store, tracking.Run) {
	t.Helper()
	s := open(t, newURL)
	e, err := s.CreateExperiment(ctx, tracking.Experiment{Name: "e"})
	if err != nil {
		t.Fatal(err)
	}
	r := fullRun(e.ID)
	r.Metrics = map[string]float64{"accuracy": 0.93}
	if err := s.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	return s, r
}

func testModelVersionRoundTrip(t *testing.T, newURL NewURL) {
	s, r := withRun(t, newURL)
	v := tracking.ModelVersion{
		Model: "digits", Version: 1, RunID: r.ID,
		ArtifactURI: "file:///a/models/digits/1", ContentHash: "abc",
		Lineage: tracking.Lineage{
			RunID: r.ID, Address: "training.mlp", Fingerprint: "9f2c", GitCommit: "0123abcd",
			Params:   json.RawMessage(`{"lr":0.05}`),
			Datasets: map[string]tracking.DatasetRef{"train": {Location: "data/d.csv", Fingerprint: "77", Version: 2}},
			Files:    []tracking.File{{Path: "model.pt", SHA256: "ff", Size: 3}},
		},
		Metrics: map[string]float64{"accuracy": 0.93},
		Created: ms(1_700_000_000_000),
	}
	if _, err := s.CreateModelVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		get  func() (tracking.ModelVersion, error)
	}{
		{"by number", func() (tracking.ModelVersion, error) { return s.GetModelVersion(ctx, "digits", 1) }},
		{"latest", func() (tracking.ModelVersion, error) { return s.LatestModelVersion(ctx, "digits") }},
		{"by run", func() (tracking.ModelVersion, error) { return s.ModelVersionByRun(ctx, "digits", r.ID) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.get()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(v, got); diff != "" {
				t.Errorf("(-created +got):\n%s", diff)
			}
		})
	}
}

func testModelVersionErrors(t *testing.T, newURL NewURL) {
	s, r := withRun(t, newURL)
	if _, err := s.CreateModelVersion(ctx, tracking.ModelVersion{Model: "m", Version: 1, RunID: r.ID}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		v    tracking.ModelVersion
		want error
	}{
		{"number taken", tracking.ModelVersion{Model: "m", Version: 1, RunID: r.ID}, tracking.ErrExists},
		{"unknown run", tracking.ModelVersion{Model: "m", Version: 2, RunID: "nope"}, tracking.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateModelVersion(ctx, tt.v)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := s.LatestModelVersion(ctx, "other"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("LatestModelVersion of a model without versions: %v, want ErrNotFound", err)
	}
}

func testAliasMoves(t *testing.T, newURL NewURL) {
	s, r := withRun(t, newURL)
	for v := int64(1); v <= 3; v++ {
		if _, err := s.CreateModelVersion(ctx, tracking.ModelVersion{Model: "m", Version: v, RunID: r.ID}); err != nil {
			t.Fatal(err)
		}
	}
	moves := []struct {
		alias    string
		from, to int64
		want     error
	}{
		{"production", 0, 1, nil},
		{"production", 1, 3, nil},
		{"staging", 0, 2, nil},
		{"production", 1, 2, tracking.ErrAliasMoved}, // it is at 3
		{"production", 3, 9, tracking.ErrNotFound},   // no version 9
		{"staging", 2, 0, nil},                       // removed
	}
	for _, m := range moves {
		_, err := s.MoveAlias(ctx, tracking.AliasMove{Model: "m", Alias: m.alias, From: m.from, To: m.to, Who: "ann@host",
			Gates: json.RawMessage(`[{"passed":true}]`)})
		if !errors.Is(err, m.want) {
			t.Fatalf("move %s %d -> %d: got %v, want %v", m.alias, m.from, m.to, err, m.want)
		}
	}
	got, err := s.Aliases(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"production": 3}, got); diff != "" {
		t.Errorf("Aliases (-want +got):\n%s", diff)
	}
	hist, err := s.AliasHistory(ctx, "m", "production")
	if err != nil {
		t.Fatal(err)
	}
	var steps [][2]int64
	for _, h := range hist {
		steps = append(steps, [2]int64{h.From, h.To})
		if h.Who != "ann@host" || string(h.Gates) != `[{"passed":true}]` {
			t.Errorf("move %d: who %q gates %s", h.Seq, h.Who, h.Gates)
		}
	}
	if diff := cmp.Diff([][2]int64{{0, 1}, {1, 3}}, steps); diff != "" {
		t.Errorf("production history (-want +got):\n%s", diff)
	}
	models, err := s.ListModels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 1 || models[0].Versions != 3 || models[0].Latest != 3 || models[0].Aliases["production"] != 3 {
		t.Errorf("ListModels: %+v", models)
	}
}
