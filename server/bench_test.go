package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/pgtest"
	"github.com/mltf/mltf/server"
	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state/tracking"
)

// The figures of the issue: 20 concurrent clients on loopback, average
// time per request of log-batch (10 metrics), create run and search runs
// through MLflow's API; and one search over 30,000 runs with a metric
// filter and ordering.

const clients = 20

var benchDBs = []struct {
	name string
	url  func(b *testing.B) string
}{
	{"sqlite", func(b *testing.B) string { return "sqlite://" + filepath.Join(b.TempDir(), "tracking.db") }},
	{"postgres", func(b *testing.B) string { return pgtest.URL(b) }},
}

type benchServer struct {
	url, token string
	ts         *tracking.Store
	client     *http.Client
	// dbCPU is the CPU time the database server has used so far (0 for
	// SQLite, which runs in this process).
	dbCPU func() time.Duration
}

func newBenchServer(b *testing.B, url string) *benchServer {
	b.Helper()
	ts, err := tracking.Open(context.Background(), url, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ts.Close() })
	token, _, err := server.CreateToken(context.Background(), ts, api.Writer, "bench")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Options{Tracking: ts, ArtifactsURL: "file://" + b.TempDir()}))
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: clients * 2}
	b.Cleanup(tr.CloseIdleConnections)
	return &benchServer{url: srv.URL, token: token, ts: ts, client: &http.Client{Transport: tr}, dbCPU: postgresCPU(url)}
}

// postgresCPU returns a function that reads the CPU time of the
// PostgreSQL server of url, when it is pgtest's (its host is the socket
// directory beside the data directory): the postmaster's own and its
// ended children's (from /proc/PID/stat), and its live children's. For
// another URL it returns 0.
func postgresCPU(url string) func() time.Duration {
	_, query, _ := strings.Cut(url, "?")
	q, _ := neturl.ParseQuery(query)
	pidFile, err := os.ReadFile(filepath.Join(q.Get("host"), "data", "postmaster.pid"))
	if !strings.HasPrefix(url, "postgres") || err != nil {
		return func() time.Duration { return 0 }
	}
	pid, _, _ := strings.Cut(string(pidFile), "\n")
	return func() time.Duration {
		total := procCPU(pid, true)
		children, _ := os.ReadFile("/proc/" + pid + "/task/" + pid + "/children")
		for _, c := range strings.Fields(string(children)) {
			total += procCPU(c, false)
		}
		return total
	}
}

// procCPU reads a process's user and system time from /proc/PID/stat,
// with its ended children's when children is set.
func procCPU(pid string, children bool) time.Duration {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// After the command name (which may hold spaces) in parentheses:
	// state, ..., utime (12th), stime, cutime, cstime.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	n := 2
	if children {
		n = 4
	}
	var ticks int64
	for _, field := range f[11 : 11+n] {
		v, _ := strconv.ParseInt(field, 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}

func (s *benchServer) post(b *testing.B, path string, body any) []byte {
	buf, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.url+"/api/2.0/mlflow/"+path, bytes.NewReader(buf))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		b.Error(err)
		return nil
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Errorf("%s: %d %s", path, resp.StatusCode, out)
	}
	return out
}

// concurrently runs b.N requests from 20 clients and reports the average
// time of one request as seen by its client, the CPU time this process
// (server and clients) spent per request and, on PostgreSQL, the CPU
// time its server spent per request: on a shared machine the first
// depends on the other processes' load, the others much less.
func concurrently(b *testing.B, s *benchServer, do func(client, i int)) {
	var next, nanos atomic.Int64
	var wg sync.WaitGroup
	cpu0, db0 := cpuTime(), s.dbCPU()
	b.ResetTimer()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				do(c, int(i))
				nanos.Add(int64(time.Since(t0)))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(nanos.Load())/float64(b.N)/1e6, "ms/req")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/req")
	if db := s.dbCPU() - db0; db > 0 {
		b.ReportMetric(float64(db)/float64(b.N)/1e6, "pg-cpu-ms/req")
	}
}

// cpuTime is the user and system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func createExperiment(b *testing.B, s *benchServer, name string) string {
	var e struct {
		ID string `json:"experiment_id"`
	}
	json.Unmarshal(s.post(b, "experiments/create", map[string]any{"name": name}), &e)
	return e.ID
}

func createRun(b *testing.B, s *benchServer, exp string) string {
	var r struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			}
		}
	}
	json.Unmarshal(s.post(b, "runs/create", map[string]any{"experiment_id": exp, "start_time": time.Now().UnixMilli()}), &r)
	return r.Run.Info.RunID
}

func BenchmarkMLflowAPI(b *testing.B) {
	for _, db := range benchDBs {
		b.Run(db.name+"/log-batch-10-metrics", func(b *testing.B) {
			s := newBenchServer(b, db.url(b))
			exp := createExperiment(b, s, "bench")
			runs := make([]string, clients)
			for i := range runs {
				runs[i] = createRun(b, s, exp)
			}
			var steps [clients]int64
			concurrently(b, s, func(c, _ int) {
				step := steps[c]
				steps[c]++
				ms := make([]map[string]any, 10)
				for k := range ms {
					ms[k] = map[string]any{"key": fmt.Sprintf("m%d", k), "value": rand.Float64(), "timestamp": time.Now().UnixMilli(), "step": step}
				}
				s.post(b, "runs/log-batch", map[string]any{"run_id": runs[c], "metrics": ms})
			})
		})
		b.Run(db.name+"/create-run", func(b *testing.B) {
			s := newBenchServer(b, db.url(b))
			exp := createExperiment(b, s, "bench")
			concurrently(b, s, func(int, int) {
				s.post(b, "runs/create", map[string]any{"experiment_id": exp, "start_time": time.Now().UnixMilli(), "tags": []map[string]string{{"key": "mlflow.user", "value": "bench"}}})
			})
		})
		b.Run(db.name+"/search-runs", func(b *testing.B) {
			s := newBenchServer(b, db.url(b))
			exp := seedRuns(b, s.ts, 1_000)
			concurrently(b, s, func(int, int) {
				s.post(b, "runs/search", map[string]any{"experiment_ids": []string{exp}, "filter": "metrics.accuracy > 0.5",
					"order_by": []string{"metrics.accuracy DESC"}, "max_results": 100})
			})
		})
	}
}

// BenchmarkSearch30k searches 30,000 runs for accuracy >= 0.9, best
// first, through MLflow's runs/search: the first page of 100, and every
// match (about 3,000) in pages of 1,000.
func BenchmarkSearch30k(b *testing.B) {
	for _, db := range benchDBs {
		b.Run(db.name, func(b *testing.B) {
			s := newBenchServer(b, db.url(b))
			exp := seedRuns(b, s.ts, 30_000)
			search := func(max int) int {
				n, token := 0, ""
				for {
					body := map[string]any{"experiment_ids": []string{exp}, "filter": "metrics.accuracy >= 0.9",
						"order_by": []string{"metrics.accuracy DESC"}, "max_results": max}
					if token != "" {
						body["page_token"] = token
					}
					var page struct {
						Runs []json.RawMessage
						Next string `json:"next_page_token"`
					}
					json.Unmarshal(s.post(b, "runs/search", body), &page)
					n += len(page.Runs)
					if page.Next == "" || max == 100 {
						return n
					}
					token = page.Next
				}
			}
			for _, max := range []int{100, 1000} {
				b.Run(fmt.Sprintf("max_results=%d", max), func(b *testing.B) {
					cpu0, db0 := cpuTime(), s.dbCPU()
					for b.Loop() {
						if search(max) == 0 {
							b.Fatal("no runs found")
						}
					}
					b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/search")
					b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/search")
					if db := s.dbCPU() - db0; db > 0 {
						b.ReportMetric(float64(db)/float64(b.N)/1e6, "pg-cpu-ms/search")
					}
				})
			}
		})
	}
}

// seedRuns records n finished runs with three metrics each, straight in
// the store.
func seedRuns(b *testing.B, ts *tracking.Store, n int) string {
	b.Helper()
	ctx := context.Background()
	e, err := ts.CreateExperiment(ctx, tracking.Experiment{Name: fmt.Sprintf("search-%d", n)})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		r := tracking.Run{ID: tracking.NewID(), ExperimentID: e.ID, Status: tracking.StatusFinished,
			Started: time.UnixMilli(int64(i) * 1000), Finished: time.UnixMilli(int64(i)*1000 + 500),
			Metrics: map[string]float64{"accuracy": rng.Float64(), "loss": rng.Float64() * 3, "f1": rng.Float64()}}
		if err := ts.CreateRun(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	return e.ID
}
