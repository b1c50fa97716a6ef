package trackingtest

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state/tracking"
)

func testSearchRuns(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	a, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "a"})
	b, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "b"})
	runs := []struct {
		id, exp string
		metrics map[string]float64
	}{
		{"p", a.ID, map[string]float64{"accuracy": 0.91, "loss": 0.3}},
		{"q", a.ID, map[string]float64{"accuracy": 0.85, "loss": 0.5}},
		{"r", a.ID, map[string]float64{"accuracy": 0.97, "loss": math.NaN()}},
		{"s", b.ID, map[string]float64{"accuracy": 0.95}},
		{"t", a.ID, nil},
		{"u", a.ID, map[string]float64{"accuracy": math.Inf(1)}},
	}
	for i, r := range runs {
		run := tracking.Run{ID: r.id, ExperimentID: r.exp, Status: tracking.StatusRunning, Started: ms(int64(i) * 1000)}
		if err := s.CreateRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		// Final metrics arrive with the update at the end of a run.
		run.Status, run.Metrics = tracking.StatusFinished, r.metrics
		if err := s.UpdateRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	// A run's metrics replaced by a later update are searched by their new
	// values.
	moved, _ := s.GetRun(ctx, "q")
	moved.Metrics = map[string]float64{"accuracy": 0.86, "loss": 0.4}
	if err := s.UpdateRun(ctx, moved); err != nil {
		t.Fatal(err)
	}
	cond := func(name, op string, v float64) tracking.MetricCondition {
		return tracking.MetricCondition{Name: name, Op: op, Value: v}
	}
	tests := []struct {
		name    string
		filter  tracking.RunFilter
		want    []string
		wantErr string
	}{
		{name: "a metric filter", filter: tracking.RunFilter{Metrics: []tracking.MetricCondition{cond("accuracy", ">=", 0.9)}}, want: []string{"u", "s", "r", "p"}},
		{name: "the new value of an updated run", filter: tracking.RunFilter{Metrics: []tracking.MetricCondition{cond("accuracy", "=", 0.86)}}, want: []string{"q"}},
		{name: "NaN never matches", filter: tracking.RunFilter{Metrics: []tracking.MetricCondition{cond("loss", ">", -1)}}, want: []string{"q", "p"}},
		{name: "two conditions and an experiment", filter: tracking.RunFilter{ExperimentID: a.ID, Metrics: []tracking.MetricCondition{cond("accuracy", ">", 0.8), cond("accuracy", "!=", 0.97)}}, want: []string{"u", "q", "p"}},
		{name: "ordered by a metric, best first, runs without it last", filter: tracking.RunFilter{OrderBy: &tracking.RunOrder{Metric: "accuracy", Desc: true}}, want: []string{"u", "r", "s", "p", "q", "t"}},
		{name: "ordered ascending, limited", filter: tracking.RunFilter{OrderBy: &tracking.RunOrder{Metric: "loss"}, Limit: 3}, want: []string{"p", "q", "u"}},
		{name: "filtered and ordered", filter: tracking.RunFilter{Metrics: []tracking.MetricCondition{cond("accuracy", "<", 0.96)}, OrderBy: &tracking.RunOrder{Metric: "accuracy"}}, want: []string{"q", "p", "s"}},
		{name: "unknown operator", filter: tracking.RunFilter{Metrics: []tracking.MetricCondition{cond("accuracy", "~", 1)}}, wantErr: `metric condition on "accuracy": unknown operator "~"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := s.ListRuns(ctx, tt.filter)
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			diffRunIDs(t, tt.want, runs)
		})
	}
}

// diffRunIDs compares the IDs of runs with want, in order.
func diffRunIDs(t *testing.T, want []string, runs []tracking.Run) {
	t.Helper()
	var got []string
	for _, r := range runs {
		got = append(got, r.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListRuns (-want +got):\n%s", diff)
	}
}
