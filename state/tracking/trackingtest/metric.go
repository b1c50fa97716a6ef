package trackingtest

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mltf/mltf/state/tracking"
)

func testLogMetrics(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	run := NewRun(t, s)
	other := NewRun(t, s)
	pt := func(name string, step int64, v float64) tracking.MetricPoint {
		return tracking.MetricPoint{RunID: run.ID, Name: name, Step: step, Value: v, Time: ms(1000 + step)}
	}
	tests := []struct {
		name   string
		log    [][]tracking.MetricPoint
		metric string
		want   []tracking.MetricPoint
	}{
		{
			name:   "points come back by step",
			log:    [][]tracking.MetricPoint{{pt("loss", 2, 0.5), pt("loss", 1, 0.9), pt("accuracy", 1, 0.1)}},
			metric: "loss",
			want:   []tracking.MetricPoint{pt("loss", 1, 0.9), pt("loss", 2, 0.5)},
		},
		{
			name:   "a step logged again replaces it",
			log:    [][]tracking.MetricPoint{{pt("acc", 1, 0.1), pt("acc", 2, 0.2)}, {pt("acc", 2, 0.25), pt("acc", 3, 0.3)}},
			metric: "acc",
			want:   []tracking.MetricPoint{pt("acc", 1, 0.1), pt("acc", 2, 0.25), pt("acc", 3, 0.3)},
		},
		{
			name:   "a step twice in one batch keeps the last",
			log:    [][]tracking.MetricPoint{{pt("twice", 1, 0.1), pt("twice", 2, 0.2), pt("twice", 1, 0.15)}},
			metric: "twice",
			want:   []tracking.MetricPoint{pt("twice", 1, 0.15), pt("twice", 2, 0.2)},
		},
		{
			name:   "NaN and infinities are kept",
			log:    [][]tracking.MetricPoint{{pt("div", 1, math.NaN()), pt("div", 2, math.Inf(1)), pt("div", 3, math.Inf(-1))}},
			metric: "div",
			want:   []tracking.MetricPoint{pt("div", 1, math.NaN()), pt("div", 2, math.Inf(1)), pt("div", 3, math.Inf(-1))},
		},
		{
			name:   "more points than one statement holds",
			log:    [][]tracking.MetricPoint{bigSeries(run.ID, "big", 1234)},
			metric: "big",
			want:   bigSeries(run.ID, "big", 1234),
		},
		{
			name:   "a metric never logged",
			metric: "nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, batch := range tt.log {
				if err := s.LogMetrics(ctx, batch); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.MetricHistory(ctx, run.ID, tt.metric)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("MetricHistory (-want +got):\n%s", diff)
			}
		})
	}
	names, err := s.MetricNames(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"acc", "accuracy", "big", "div", "loss", "twice"}, names); diff != "" {
		t.Errorf("MetricNames (-want +got):\n%s", diff)
	}
	if names, err := s.MetricNames(ctx, other.ID); err != nil || len(names) != 0 {
		t.Errorf("MetricNames of a run without metrics = %v, %v", names, err)
	}
}

func bigSeries(runID, name string, n int) []tracking.MetricPoint {
	out := make([]tracking.MetricPoint, n)
	for i := range out {
		out[i] = tracking.MetricPoint{RunID: runID, Name: name, Step: int64(i), Value: float64(i) / 7, Time: ms(int64(i))}
	}
	return out
}

func testLogMetricsErrors(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	run := NewRun(t, s)
	tests := []struct {
		name    string
		pts     []tracking.MetricPoint
		wantErr string
	}{
		{"unknown run", []tracking.MetricPoint{{RunID: run.ID, Name: "a"}, {RunID: "nope", Name: "loss"}}, "cannot log metrics of run nope: not found"},
		{"no name", []tracking.MetricPoint{{RunID: run.ID, Step: 3}}, `metric point 0 ("" at step 3) has no run ID or no name`},
		{"no run", []tracking.MetricPoint{{Name: "loss"}}, "has no run ID or no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.LogMetrics(ctx, tt.pts)
			wantErr(t, err, tt.wantErr)
		})
	}
	// A refused batch stores nothing.
	if names, _ := s.MetricNames(ctx, run.ID); len(names) != 0 {
		t.Errorf("a refused batch stored %v", names)
	}
	if err := s.LogMetrics(ctx, nil); err != nil {
		t.Errorf("LogMetrics(nil) = %v", err)
	}
	if _, err := s.MetricHistory(ctx, "nope", "x"); err != nil && !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("MetricHistory of a missing run = %v", err)
	}
}

// testConcurrentWriters logs from two stores on one database at once, as
// two processes would.
func testConcurrentWriters(t *testing.T, newURL NewURL) {
	url := newURL(t)
	var stores []*tracking.Store
	for range 2 {
		s, err := tracking.Open(ctx, url, "")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	run := NewRun(t, stores[0])
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		s := stores[w%2]
		wg.Go(func() {
			for b := range 10 {
				if err := s.LogMetrics(ctx, bigSeries(run.ID, fmt.Sprintf("w%d-b%d", w, b), 500)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	names, err := stores[1].MetricNames(ctx, run.ID)
	if err != nil || len(names) != 80 {
		t.Errorf("MetricNames = %d names, %v; want 80", len(names), err)
	}
}
