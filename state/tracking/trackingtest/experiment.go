package trackingtest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state/tracking"
)

func testExperiments(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	created := time.UnixMilli(1_700_000_000_123).UTC()
	digits, err := s.CreateExperiment(ctx, tracking.Experiment{Name: "digits", Description: "mlp", Tags: map[string]string{"team": "ml"}, Created: created})
	if err != nil {
		t.Fatal(err)
	}
	if digits.ID == "" {
		t.Fatal("CreateExperiment made no ID")
	}
	want := tracking.Experiment{ID: digits.ID, Name: "digits", Description: "mlp", Tags: map[string]string{"team": "ml"}, Created: created}
	if diff := cmp.Diff(want, digits); diff != "" {
		t.Errorf("CreateExperiment (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		do   func() (tracking.Experiment, error)
		want tracking.Experiment
	}{
		{"get by ID", func() (tracking.Experiment, error) { return s.GetExperiment(ctx, digits.ID) }, want},
		{"get by name", func() (tracking.Experiment, error) { return s.GetExperimentByName(ctx, "digits") }, want},
		{"creating the same name adopts it", func() (tracking.Experiment, error) {
			return s.CreateExperiment(ctx, tracking.Experiment{Name: "digits", Description: "new", ID: "ignored"})
		}, tracking.Experiment{ID: digits.ID, Name: "digits", Description: "new", Created: created}},
		{"the adoption is stored", func() (tracking.Experiment, error) { return s.GetExperiment(ctx, digits.ID) },
			tracking.Experiment{ID: digits.ID, Name: "digits", Description: "new", Created: created}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.do()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func testExperimentUpdateDeleteList(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	a, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "a"})
	b, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "b"})

	a.Name, a.Tags = "a2", map[string]string{"k": "v"}
	if err := s.UpdateExperiment(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetExperimentByName(ctx, "a2"); err != nil || got.ID != a.ID || got.Tags["k"] != "v" {
		t.Errorf("after rename: %+v, %v", got, err)
	}
	b.Name = "a2"
	wantErr(t, s.UpdateExperiment(ctx, b), `cannot rename experiment `+b.ID+` to "a2": experiment `+a.ID+` already has that name`)
	if err := s.UpdateExperiment(ctx, tracking.Experiment{ID: "nope", Name: "x"}); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("UpdateExperiment of a missing ID = %v, want ErrNotFound", err)
	}

	if err := s.DeleteExperiment(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteExperiment(ctx, a.ID); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if err := s.DeleteExperiment(ctx, "nope"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("DeleteExperiment of a missing ID = %v, want ErrNotFound", err)
	}
	if _, err := s.GetExperimentByName(ctx, "a2"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("GetExperimentByName of a deleted experiment = %v, want ErrNotFound", err)
	}
	deleted, err := s.GetExperiment(ctx, a.ID)
	if err != nil || deleted.Deleted.IsZero() {
		t.Errorf("GetExperiment of a deleted experiment = %+v, %v; want it with Deleted set", deleted, err)
	}

	// The name is free again: a new experiment, not the deleted one.
	again, err := s.CreateExperiment(ctx, tracking.Experiment{Name: "a2"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == a.ID {
		t.Errorf("creating a deleted experiment's name revived it")
	}

	list, err := s.ListExperiments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name)
	}
	if diff := cmp.Diff([]string{"a2", "b"}, names); diff != "" {
		t.Errorf("ListExperiments names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{again.ID, b.ID}, []string{list[0].ID, list[1].ID}); diff != "" {
		t.Errorf("ListExperiments IDs (-want +got):\n%s", diff)
	}
}

func testExperimentErrors(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	e, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "e"})
	tests := []struct {
		name    string
		err     error
		wantErr string
	}{
		{"create without a name", second(s.CreateExperiment(ctx, tracking.Experiment{})), "an experiment needs a name"},
		{"update without a name", s.UpdateExperiment(ctx, tracking.Experiment{ID: e.ID}), "an experiment needs a name"},
		{"duplicate ID", second(s.CreateExperiment(ctx, tracking.Experiment{ID: e.ID, Name: "other"})), "an experiment with ID " + e.ID + " already exists"},
		{"get a missing ID", second(s.GetExperiment(ctx, "nope")), "experiment nope: not found"},
		{"get a missing name", second(s.GetExperimentByName(ctx, "nope")), `experiment "nope": not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.err, tt.wantErr) })
	}
}

func second[T any](_ T, err error) error { return err }
