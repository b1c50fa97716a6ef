package tracking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/pgtest"
	"github.com/mltf/mltf/state/tracking"
	"github.com/mltf/mltf/state/tracking/trackingtest"
)

// benchStores are the databases the benchmarks compare: a SQLite file and
// a schema on the test PostgreSQL server.
var benchStores = []struct {
	name string
	url  func(b *testing.B) string
}{
	{"sqlite", func(b *testing.B) string { return "sqlite://" + filepath.Join(b.TempDir(), "tracking.db") }},
	{"postgres", func(b *testing.B) string { return pgtest.URL(b) }},
}

func openBench(b *testing.B, url string) *tracking.Store {
	s, err := tracking.Open(context.Background(), url, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkLogMetrics logs batches of points and reports the ingest rate
// in points/s.
func BenchmarkLogMetrics(b *testing.B) {
	for _, db := range benchStores {
		for _, batch := range []int{1_000, 10_000} {
			b.Run(fmt.Sprintf("%s/batch=%d", db.name, batch), func(b *testing.B) {
				ctx := context.Background()
				s := openBench(b, db.url(b))
				run := trackingtest.NewRun(b, s)
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
}

// BenchmarkSearchRuns searches 30,000 finished runs (3 metrics each) for
// accuracy >= 0.9 (about a tenth of them), best first, the first 100 and
// all of them.
func BenchmarkSearchRuns(b *testing.B) {
	const n = 30_000
	for _, db := range benchStores {
		b.Run(db.name, func(b *testing.B) {
			ctx := context.Background()
			s := openBench(b, db.url(b))
			e, err := s.CreateExperiment(ctx, tracking.Experiment{Name: "search"})
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range n {
				r := tracking.Run{
					ID: tracking.NewID(), ExperimentID: e.ID, Status: tracking.StatusFinished,
					Started: time.UnixMilli(int64(i) * 1000), Finished: time.UnixMilli(int64(i)*1000 + 500),
					Metrics: map[string]float64{"accuracy": rng.Float64(), "loss": rng.Float64() * 3, "f1": rng.Float64()},
				}
				if err := s.CreateRun(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			for _, limit := range []int{100, 0} {
				b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
					f := tracking.RunFilter{
						ExperimentID: e.ID,
						Metrics:      []tracking.MetricCondition{{Name: "accuracy", Op: ">=", Value: 0.9}},
						OrderBy:      &tracking.RunOrder{Metric: "accuracy", Desc: true},
						Limit:        limit,
					}
					for b.Loop() {
						runs, err := s.ListRuns(ctx, f)
						if err != nil {
							b.Fatal(err)
						}
						if len(runs) == 0 {
							b.Fatal("no runs found")
						}
					}
					b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/search")
				})
			}
		})
	}
}
