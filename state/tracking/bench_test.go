package tracking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

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
// in points/s, and, as the wall clock of a shared machine depends on its
// load, the CPU per point: of this process, and on PostgreSQL of the
// server's processes too (server-cpu-s), from /proc, so that the two stores
// compare by the work they do.
func BenchmarkLogMetrics(b *testing.B) {
	for _, db := range benchStores {
		for _, batch := range []int{1_000, 10_000} {
			b.Run(fmt.Sprintf("%s/batch=%d", db.name, batch), func(b *testing.B) {
				ctx := context.Background()
				url := db.url(b)
				s := openBench(b, url)
				server := serverCPU(b, url)
				run := trackingtest.NewRun(b, s)
				names := []string{"loss", "accuracy", "lr", "grad_norm"}
				pts := make([]tracking.MetricPoint, batch)
				t0 := time.Now()
				step := int64(0)
				total := 0
				cpu0, server0 := cpuTime(), server()
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
				cpu, srv := (cpuTime() - cpu0).Seconds(), (server() - server0).Seconds()
				b.ReportMetric(srv/float64(b.N), "server-cpu-s/op")
				b.ReportMetric(float64(total)/(cpu+srv), "points/cpu-s")
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

// cpuTime is this process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU returns a function that sums the CPU time of the processes of
// the PostgreSQL server of url (its sessions and background processes, as
// pg_stat_activity lists them, read from /proc/PID/stat); for another URL
// it returns 0. The server is the tests' own, so every process counts.
func serverCPU(b *testing.B, url string) func() time.Duration {
	if !strings.HasPrefix(url, "postgres") {
		return func() time.Duration { return 0 }
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	b.Cleanup(func() { db.Close() })
	tick := float64(time.Second) / 100 // USER_HZ
	return func() time.Duration {
		var total time.Duration
		rows, err := db.QueryContext(context.Background(), `SELECT pid FROM pg_stat_activity UNION SELECT pg_backend_pid()`)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var pid int
			if err := rows.Scan(&pid); err != nil {
				b.Fatal(err)
			}
			total += procCPU(pid, tick)
		}
		return total
	}
}

// procCPU reads a process's user and system time from /proc/PID/stat.
func procCPU(pid int, tick float64) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces) in
	// parentheses: state is the first, utime the 12th, stime the 13th.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(float64(ut+st) * tick)
}
