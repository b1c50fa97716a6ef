package deployment

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mltf/mltf/serving"
)

const python = "/usr/bin/python3"

var (
	servingTestdata = filepath.Join("..", "..", "serving", "testdata")
	workerScript    = filepath.Join("..", "..", "sdk", "python", "mltf_worker.py")
	digitsCSV       = filepath.Join("..", "..", "examples", "quickstart", "data", "digits.csv")
)

// testModels makes the serving tests' TorchScript models with real
// PyTorch: double, triple, broken, digits.
func testModels(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts PyTorch workers and rolls out for tens of seconds")
	}
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skip("needs PyTorch at " + python)
	}
	dir := t.TempDir()
	if out, err := exec.Command(python, filepath.Join(servingTestdata, "models.py"), dir).CombinedOutput(); err != nil {
		t.Fatalf("models.py: %v\n%s", err, out)
	}
	return dir
}

func version(t *testing.T, num int64, modelDir string, worker ...string) serving.Version {
	if len(worker) == 0 {
		worker = []string{python, workerScript}
	}
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	cmd := []string{worker[0]}
	for _, w := range worker[1:] {
		cmd = append(cmd, abs(w))
	}
	return serving.Version{Version: num, Spawn: &serving.Spawn{Replicas: 1, Command: append(cmd, "--model", modelDir, "--port", "{port}")}}
}

// emptyFrontEnd starts a front end that serves nothing yet.
func emptyFrontEnd(t *testing.T, baseline *serving.Baseline) (*serving.Server, *serving.Client) {
	t.Helper()
	spec := serving.Spec{Model: "m", Listen: "127.0.0.1:0", Admin: "127.0.0.1:0", Baseline: baseline,
		Batching: serving.Batching{MaxBatchSize: 16, MaxLatency: serving.Duration(5 * time.Millisecond)}}
	s, err := serving.Start(context.Background(), spec, t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, &serving.Client{Addr: s.AdminAddr()}
}

// frontEnd starts a front end serving stable with all the traffic.
func frontEnd(t *testing.T, stable serving.Version, baseline *serving.Baseline) (*serving.Server, *serving.Client) {
	t.Helper()
	s, c := emptyFrontEnd(t, baseline)
	ctx := context.Background()
	r := &rollout{fe: c, cand: stable, poll: 100 * time.Millisecond, progress: func(string) {}}
	if out, err := r.run(ctx); err != nil || out.State != "complete" {
		t.Fatalf("first version: %+v %v", out, err)
	}
	return s, c
}

// load sends requests from conc loops until stop, rows chosen by body;
// it counts answers by version and status.
type load struct {
	mu     sync.Mutex
	counts map[string]int // "VERSION STATUS", or "error" for a failed connection
	stop   chan struct{}
	wg     sync.WaitGroup
}

func startLoad(url string, conc int, body func(i int) []byte) *load {
	l := &load{counts: map[string]int{}, stop: make(chan struct{})}
	for g := 0; g < conc; g++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := g; ; i += conc {
				select {
				case <-l.stop:
					return
				default:
				}
				key := "error"
				resp, err := http.Post(url, "application/json", bytes.NewReader(body(i)))
				if err == nil {
					var a struct {
						Version string `json:"model_version"`
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					json.Unmarshal(b, &a)
					key = fmt.Sprintf("%s %d", a.Version, resp.StatusCode)
				}
				l.mu.Lock()
				l.counts[key]++
				l.mu.Unlock()
				time.Sleep(15 * time.Millisecond) // 8 loops: about 500 requests a second
			}
		}()
	}
	return l
}

func (l *load) end() map[string]int {
	close(l.stop)
	l.wg.Wait()
	return l.counts
}

func oneRow(vals []string) []byte {
	return []byte(`{"inputs":[{"name":"input","datatype":"FP32","shape":[1,` + fmt.Sprint(len(vals)) + `],"data":[` + strings.Join(vals, ",") + `]}]}`)
}

func canary(an Analysis) Strategy {
	return Strategy{Name: "canary", Steps: []int{5, 25, 50, 100}, Interval: 4 * time.Second, Analysis: an}
}

func bound(f float64) *float64 { return &f }

// TestCanaryBroken: a version whose model fails on every request is rolled
// back at its first step; no request on the stable share fails, and at
// most 200 requests reach the broken version.
func TestCanaryBroken(t *testing.T) {
	dir := testModels(t)
	stable := version(t, 1, filepath.Join(dir, "double"))
	s, c := frontEnd(t, stable, nil)
	l := startLoad("http://"+s.Addr()+"/v2/models/m/infer", 8, func(int) []byte { return oneRow([]string{"1", "2", "3", "4"}) })
	st, _ := c.Spec(context.Background())
	r := &rollout{fe: c, strategy: canary(Analysis{MaxErrorRate: bound(0.01), MinRequests: 20}), stable: stableOf(st),
		cand: version(t, 2, filepath.Join(dir, "broken")), poll: 100 * time.Millisecond, progress: func(l string) { t.Log(l) }}
	out, err := r.run(context.Background())
	time.Sleep(300 * time.Millisecond)
	counts := l.end()
	t.Logf("outcome %+v; answers by version and status: %v", out, counts)
	if err != nil || out.State != "rolled_back" || out.Serving != 1 || out.Step != "canary 5%" || !strings.Contains(out.Failed, "error rate 100% > 1%") {
		t.Fatalf("outcome %+v, %v; want rolled back to version 1 at canary 5%% on the error rate", out, err)
	}
	broken := 0
	for k, n := range counts {
		switch {
		case k == "1 200":
		case strings.HasPrefix(k, "2 "):
			broken += n
		default:
			t.Errorf("%d requests answered %q: a request on the stable share failed", n, k)
		}
	}
	if broken == 0 || broken > 200 {
		t.Errorf("%d requests reached the broken version, want 1 to 200", broken)
	}
	spec, _ := c.Spec(context.Background())
	if len(spec.Versions) != 1 || spec.Versions[0].Version != 1 || spec.Versions[0].Weight != 100 {
		t.Errorf("after the rollback the front end serves %+v", spec.Versions)
	}
}

// TestCanarySlow: a version that answers 300 ms late is caught by max_p99.
func TestCanarySlow(t *testing.T) {
	dir := testModels(t)
	stable := version(t, 1, filepath.Join(dir, "double"))
	s, c := frontEnd(t, stable, nil)
	l := startLoad("http://"+s.Addr()+"/v2/models/m/infer", 8, func(int) []byte { return oneRow([]string{"1", "2", "3", "4"}) })
	st, _ := c.Spec(context.Background())
	slow := version(t, 2, filepath.Join(dir, "triple"), python, filepath.Join(servingTestdata, "slow_worker.py"))
	r := &rollout{fe: c, strategy: canary(Analysis{MaxErrorRate: bound(0.01), MaxP99: 150 * time.Millisecond, MinRequests: 20}), stable: stableOf(st),
		cand: slow, poll: 100 * time.Millisecond, progress: func(l string) { t.Log(l) }}
	out, err := r.run(context.Background())
	counts := l.end()
	t.Logf("outcome %+v; answers: %v", out, counts)
	if err != nil || out.State != "rolled_back" || !strings.Contains(out.Failed, "p99") || !strings.Contains(out.Failed, "> 150ms") {
		t.Fatalf("outcome %+v, %v; want rolled back on p99", out, err)
	}
	for k, n := range counts {
		if k != "1 200" && k != "2 200" {
			t.Errorf("%d requests answered %q", n, k)
		}
	}
	if counts["2 200"] > 200 {
		t.Errorf("%d requests reached the slow version, want at most 200", counts["2 200"])
	}
}

// TestCanaryDrift: live inputs replayed from the training rows pass a
// canary bounded by max_input_drift; the same rows made brighter roll it
// back on drift.
func TestCanaryDrift(t *testing.T) {
	dir := testModels(t)
	f, err := os.Open(digitsCSV)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := recs[0][:64], recs[1:]
	f, _ = os.Open(digitsCSV)
	baseline, err := serving.BaselineFromCSV(f, header)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Live traffic from the training distribution: the rows in a random
	// order (the file is ordered by writer and digit).
	order := rand.New(rand.NewPCG(7, 7)).Perm(len(rows))
	replay := func(i int) []byte { return oneRow(rows[order[i%len(rows)]][:64]) }
	brighter := func(i int) []byte {
		r := append([]string(nil), rows[order[i%len(rows)]][:64]...)
		for j := range r {
			var v float64
			fmt.Sscan(r[j], &v)
			r[j] = fmt.Sprint(min(16, v+3))
		}
		return oneRow(r)
	}
	for _, tc := range []struct {
		name  string
		body  func(int) []byte
		state string
	}{{"replayed training rows", replay, "complete"}, {"brighter rows", brighter, "rolled_back"}} {
		t.Run(tc.name, func(t *testing.T) {
			s, c := frontEnd(t, version(t, 1, filepath.Join(dir, "digits")), baseline)
			l := startLoad("http://"+s.Addr()+"/v2/models/m/infer", 8, tc.body)
			st, _ := c.Spec(context.Background())
			strategy := canary(Analysis{MaxInputDrift: bound(0.2), MinRequests: 20})
			strategy.Steps = []int{50, 100}
			r := &rollout{fe: c, strategy: strategy, stable: stableOf(st), baseline: baseline,
				cand: version(t, 2, filepath.Join(dir, "digits")), poll: 100 * time.Millisecond, progress: func(l string) { t.Log(l) }}
			out, err := r.run(context.Background())
			counts := l.end()
			t.Logf("outcome %+v; answers: %v", out, counts)
			if err != nil || out.State != tc.state {
				t.Fatalf("outcome %+v, %v; want %s", out, err, tc.state)
			}
			if tc.state == "rolled_back" && !strings.Contains(out.Failed, "input drift") {
				t.Errorf("rolled back for %q, want input drift", out.Failed)
			}
		})
	}
}

// TestBlueGreen: a blue-green rollout under a steady load (12 loops, each
// pausing 15 ms between requests: up to about 700 a second) loses no request: no answer other than 200, no
// connection error; after it, only the new version answers.
func TestBlueGreen(t *testing.T) {
	dir := testModels(t)
	s, c := frontEnd(t, version(t, 1, filepath.Join(dir, "double")), nil)
	start := time.Now()
	l := startLoad("http://"+s.Addr()+"/v2/models/m/infer", 12, func(int) []byte { return oneRow([]string{"1", "2", "3", "4"}) })
	st, _ := c.Spec(context.Background())
	r := &rollout{fe: c, strategy: Strategy{Name: "blue_green", Interval: 2 * time.Second, RollbackWindow: 3 * time.Second,
		Analysis: Analysis{MaxErrorRate: bound(0.01), MinRequests: 20}}, stable: stableOf(st),
		cand: version(t, 2, filepath.Join(dir, "triple")), poll: 100 * time.Millisecond, progress: func(l string) { t.Log(l) }}
	out, err := r.run(context.Background())
	time.Sleep(time.Second)
	counts := l.end()
	total := 0
	for _, n := range counts {
		total += n
	}
	t.Logf("outcome %+v; %d answers, %.0f a second: %v", out, total, float64(total)/time.Since(start).Seconds(), counts)
	if err != nil || out.State != "complete" || out.Serving != 2 {
		t.Fatalf("outcome %+v, %v; want version 2 serving", out, err)
	}
	for k, n := range counts {
		if k != "1 200" && k != "2 200" {
			t.Errorf("%d requests answered %q during the cutover", n, k)
		}
	}
	if counts["2 200"] == 0 {
		t.Error("version 2 answered nothing")
	}
}

// TestShadow: a broken version mirrored in shadow is rolled back on its
// mirrored errors; no client ever gets its answers.
func TestShadow(t *testing.T) {
	dir := testModels(t)
	s, c := frontEnd(t, version(t, 1, filepath.Join(dir, "double")), nil)
	l := startLoad("http://"+s.Addr()+"/v2/models/m/infer", 8, func(int) []byte { return oneRow([]string{"1", "2", "3", "4"}) })
	st, _ := c.Spec(context.Background())
	r := &rollout{fe: c, strategy: Strategy{Name: "shadow", Percent: 50, Interval: 5 * time.Second,
		Analysis: Analysis{MaxErrorRate: bound(0.01), MinRequests: 20}}, stable: stableOf(st),
		cand: version(t, 2, filepath.Join(dir, "broken")), poll: 100 * time.Millisecond, progress: func(l string) { t.Log(l) }}
	out, err := r.run(context.Background())
	counts := l.end()
	t.Logf("outcome %+v; answers: %v", out, counts)
	if err != nil || out.State != "rolled_back" || out.Step != "shadow 50%" || !strings.Contains(out.Failed, "error rate 100%") {
		t.Fatalf("outcome %+v, %v; want rolled back at shadow 50%% on the error rate", out, err)
	}
	if len(counts) != 1 || counts["1 200"] == 0 {
		t.Errorf("answers %v: only version 1 may answer", counts)
	}
}

// TestFirstVersionFails: a deployment's first version whose workers exit
// before they listen interrupts the rollout; what apply then says names
// no version 0 (there is none): nothing serves.
func TestFirstVersionFails(t *testing.T) {
	_, c := emptyFrontEnd(t, nil)
	cand := serving.Version{Version: 1, Spawn: &serving.Spawn{Replicas: 1, Command: []string{"/bin/sh", "-c", "exit 3"}}}
	r := &rollout{fe: c, cand: cand, poll: 100 * time.Millisecond, progress: func(l string) { t.Log(l) }}
	_, err := r.run(context.Background())
	if err == nil {
		t.Fatal("a version whose worker exits at once started")
	}
	out, err := r.back(context.Background(), "interrupted", err.Error())
	if err != nil {
		t.Fatal(err)
	}
	got := out.Where()
	if out.Serving != 0 || strings.Contains(got, "version 0") || !strings.Contains(got, "nothing serves: version 1 was the deployment's first version") {
		t.Errorf("after the failed first version: serving %d, %q", out.Serving, got)
	}
	if out := (Outcome{Serving: 1, Candidate: 2}); out.Where() != "traffic is back on version 1" {
		t.Errorf("after a failed second version: %q", out.Where())
	}
}

// neverReady is version num with a worker that says it listens and never
// answers: its health check finds nothing at that port.
func neverReady(num int64) serving.Version {
	return serving.Version{Version: num, Spawn: &serving.Spawn{Replicas: 1,
		Command: []string{"sh", "-c", "echo listening on 127.0.0.1:9; exec sleep 600"}}}
}

// TestFirstVersionNeverReady: when a deployment's first version never gets
// its workers ready, nothing serves, and the history and the timeline say
// that, not that it was rolled back: there was no version to go back to.
func TestFirstVersionNeverReady(t *testing.T) {
	_, c := emptyFrontEnd(t, nil)
	ctx := context.Background()
	r := &rollout{fe: c, cand: neverReady(1), poll: 100 * time.Millisecond, progress: func(string) {}, ready: 2 * time.Second}
	out, err := r.run(ctx)
	if err != nil || out.State != "rolled_back" || out.Serving != 0 || len(out.Traffic) != 0 || out.Candidate != 1 {
		t.Fatalf("outcome %+v, %v; want version 1 not serving and nothing else serving", out, err)
	}
	const want = "version 1 never became ready within 2s (see its workers' logs); it is the deployment's first version, so nothing serves"
	if got := historyNote(out, r); got != want {
		t.Errorf("history note:\n got %s\nwant %s", got, want)
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := stableOf(spec); s != nil {
		t.Errorf("the front end serves version %d", s.Version)
	}
}

// TestVersionNeverReady: a later version that never gets its workers
// ready is stopped before it takes traffic, and the stable version serves
// on.
func TestVersionNeverReady(t *testing.T) {
	dir := testModels(t)
	_, c := frontEnd(t, version(t, 1, filepath.Join(dir, "double")), nil)
	ctx := context.Background()
	st, err := c.Spec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := &rollout{fe: c, strategy: canary(Analysis{}), stable: stableOf(st), cand: neverReady(2),
		poll: 100 * time.Millisecond, progress: func(string) {}, ready: 2 * time.Second}
	out, err := r.run(ctx)
	if err != nil || out.State != "rolled_back" || out.Serving != 1 || out.Traffic[1] != 100 || out.Step != "not ready" {
		t.Fatalf("outcome %+v, %v; want version 1 serving all traffic", out, err)
	}
	const want = "version 2 rolled back before it took traffic: it did not become ready within 2s (see its workers' logs)"
	if got := historyNote(out, r); got != want {
		t.Errorf("history note:\n got %s\nwant %s", got, want)
	}
}
