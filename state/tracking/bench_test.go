package tracking_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mltf/mltf/state/tracking"
)

// BenchmarkLogMetrics logs batches of points into a SQLite file and
// reports the ingest rate in points/s.
func BenchmarkLogMetrics(b *testing.B) {
	for _, batch := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			s, err := tracking.Open(ctx, "sqlite://tracking.db", b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			run := newRun(b, s)
			names := []string{"loss", "accuracy", "lr", "grad_norm"}
			pts := make([]tracking.MetricPoint, batch)
			t0 := time.Now()
			step := int64(0)
			total := 0
			for b.Loop() {
				for i := range pts {
					pts[i] = tracking.MetricPoint{RunID: run.ID, Name: names[i%len(names)], Step: step, Value: float64(i) * 0.001, Time: t0}
					if i%len(names) == len(names)-1 {
						step++
					}
				}
				if err := s.LogMetrics(ctx, pts); err != nil {
					b.Fatal(err)
				}
				total += batch
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "points/s")
		})
	}
}

func newRun(tb testing.TB, s *tracking.Store) tracking.Run {
	tb.Helper()
	ctx := context.Background()
	e, err := s.CreateExperiment(ctx, tracking.Experiment{Name: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	r := tracking.Run{ID: tracking.NewID(), ExperimentID: e.ID, Status: tracking.StatusRunning, Started: time.Now()}
	if err := s.CreateRun(ctx, r); err != nil {
		tb.Fatal(err)
	}
	return r
}
