package trackingtest

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mltf/mltf/state/tracking"
)

func ms(n int64) time.Time { return time.UnixMilli(n).UTC() }

func fullRun(expID string) tracking.Run {
	return tracking.Run{
		ID:           tracking.NewID(),
		ExperimentID: expID,
		Name:         "mlp",
		Status:       tracking.StatusFinished,
		Fingerprint:  "9f2c",
		GitCommit:    "0123abcd",
		GitDirty:     true,
		Params:       json.RawMessage(`{"epochs":20,"lr":0.05}`),
		Env:          map[string]string{"MLTF_BACKEND": "gloo"},
		ArtifactURI:  "file:///work/.mltf/artifacts/r1",
		Metrics:      map[string]float64{"accuracy": 0.93, "loss": math.NaN(), "best": math.Inf(1)},
		Restarts:     map[string]int{"infrastructure": 1},
		Started:      ms(1_700_000_000_000),
		Finished:     ms(1_700_000_060_000),
		Address:      "training.mlp",
		Workspace:    "default",
	}
}

func testRunRoundTrip(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	e, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "e"})
	tests := []struct {
		name string
		run  tracking.Run
	}{
		{"every field", fullRun(e.ID)},
		{"only what is required", tracking.Run{ID: tracking.NewID(), ExperimentID: e.ID, Status: tracking.StatusScheduled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.CreateRun(ctx, tt.run); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetRun(ctx, tt.run.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.run, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("GetRun (-created +got):\n%s", diff)
			}
		})
	}
}

func testRunUpdate(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	e, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "e"})
	r := tracking.Run{ID: tracking.NewID(), ExperimentID: e.ID, Status: tracking.StatusRunning, Started: ms(1000)}
	if err := s.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Finished, r.Metrics = tracking.StatusFailed, ms(2000), map[string]float64{"loss": 1.5}
	if err := s.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("after UpdateRun (-want +got):\n%s", diff)
	}
	missing := r
	missing.ID = "nope"
	if err := s.UpdateRun(ctx, missing); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("UpdateRun of a missing run = %v, want ErrNotFound", err)
	}
}

func testRunErrors(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	e, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "e"})
	existing := tracking.Run{ID: "r1", ExperimentID: e.ID, Status: tracking.StatusRunning}
	if err := s.CreateRun(ctx, existing); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		run     tracking.Run
		wantErr string
	}{
		{"no ID", tracking.Run{ExperimentID: e.ID, Status: tracking.StatusRunning}, "a run needs an ID (tracking.NewID makes one)"},
		{"no experiment", tracking.Run{ID: "x", Status: tracking.StatusRunning}, "run x has no experiment"},
		{"missing experiment", tracking.Run{ID: "x", ExperimentID: "nope", Status: tracking.StatusRunning}, "cannot create run x: experiment nope does not exist"},
		{"bad status", tracking.Run{ID: "x", ExperimentID: e.ID, Status: "done"}, `run x has status "done"; the status is one of scheduled, running, finished, failed, killed`},
		{"params not an object", tracking.Run{ID: "x", ExperimentID: e.ID, Status: tracking.StatusRunning, Params: json.RawMessage(`[1]`)}, "the params of run x are not a JSON object"},
		{"duplicate ID", existing, "cannot create run r1: a run with that ID exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, s.CreateRun(ctx, tt.run), tt.wantErr) })
	}
	if _, err := s.GetRun(ctx, "nope"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("GetRun of a missing run = %v, want ErrNotFound", err)
	}
}

func testListRuns(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	a, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "a"})
	b, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "b"})
	for i, exp := range []string{a.ID, b.ID, a.ID, a.ID} {
		r := tracking.Run{ID: string(rune('p' + i)), ExperimentID: exp, Status: tracking.StatusRunning, Started: ms(int64(i) * 1000)}
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		filter tracking.RunFilter
		want   []string
	}{
		{"all, newest first", tracking.RunFilter{}, []string{"s", "r", "q", "p"}},
		{"one experiment", tracking.RunFilter{ExperimentID: a.ID}, []string{"s", "r", "p"}},
		{"limited", tracking.RunFilter{ExperimentID: a.ID, Limit: 2}, []string{"s", "r"}},
		{"the next page", tracking.RunFilter{ExperimentID: a.ID, Limit: 2, Offset: 2}, []string{"p"}},
		{"from an offset on", tracking.RunFilter{Offset: 1}, []string{"r", "q", "p"}},
		{"past the end", tracking.RunFilter{Offset: 4, Limit: 2}, nil},
		{"an experiment without runs", tracking.RunFilter{ExperimentID: "nope"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := s.ListRuns(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			diffRunIDs(t, tt.want, runs)
		})
	}
}

func testFindRunByFingerprint(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	e, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "e"})
	for _, r := range []tracking.Run{
		{ID: "old", Fingerprint: "f1", Status: tracking.StatusFinished, Finished: ms(1000)},
		{ID: "new", Fingerprint: "f1", Status: tracking.StatusFinished, Finished: ms(2000)},
		{ID: "running", Fingerprint: "f1", Status: tracking.StatusRunning},
		{ID: "failed", Fingerprint: "f2", Status: tracking.StatusFailed, Finished: ms(3000)},
		{ID: "unfingerprinted", Status: tracking.StatusFinished, Finished: ms(4000)},
	} {
		r.ExperimentID = e.ID
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, fingerprint, want string
	}{
		{"newest finished", "f1", "new"},
		{"only failed runs", "f2", ""},
		{"unknown", "f3", ""},
		{"empty fingerprint", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.FindRunByFingerprint(ctx, tt.fingerprint)
			if tt.want == "" {
				if !errors.Is(err, tracking.ErrNotFound) {
					t.Errorf("got %s, %v; want ErrNotFound", r.ID, err)
				}
				return
			}
			if err != nil || r.ID != tt.want {
				t.Errorf("got %s, %v; want %s", r.ID, err, tt.want)
			}
		})
	}

	// A deleted run is no cached result: the plan trains again rather than
	// reuse what its owner threw away; restored, it counts again.
	if err := s.DeleteRun(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.FindRunByFingerprint(ctx, "f1"); err != nil || r.ID != "old" {
		t.Errorf("with the newest run deleted: got %s, %v; want old", r.ID, err)
	}
	if err := s.DeleteRun(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.FindRunByFingerprint(ctx, "f1"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("with every finished run deleted: got %s, %v; want ErrNotFound", r.ID, err)
	}
	if err := s.RestoreRun(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.FindRunByFingerprint(ctx, "f1"); err != nil || r.ID != "new" {
		t.Errorf("restored: got %s, %v; want new", r.ID, err)
	}
}
