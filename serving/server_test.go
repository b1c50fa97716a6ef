package serving

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const python = "/usr/bin/python3"

// models makes the test models (testdata/models.py) with real PyTorch.
func models(t *testing.T) string {
	t.Helper()
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skip("needs PyTorch at " + python)
	}
	dir := t.TempDir()
	if out, err := exec.Command(python, filepath.Join("testdata", "models.py"), dir).CombinedOutput(); err != nil {
		t.Fatalf("models.py: %v\n%s", err, out)
	}
	return dir
}

// spawned is a version of one worker process (two: replicated).
func spawned(num int64, weight int, modelDir string, replicated ...bool) Version {
	worker, _ := filepath.Abs(filepath.Join("..", "sdk", "python", "mltf_worker.py"))
	replicas := 1
	if len(replicated) > 0 && replicated[0] {
		replicas = 2
	}
	return Version{Version: num, Weight: weight, Spawn: &Spawn{Replicas: replicas,
		Command: []string{python, worker, "--model", modelDir, "--port", "{port}"}}}
}

// start starts a front end with versions and waits until each is ready.
func start(t *testing.T, versions ...Version) (*Server, *Client) {
	t.Helper()
	spec := Spec{Model: "m", Listen: "127.0.0.1:0", Admin: "127.0.0.1:0",
		Batching: Batching{MaxBatchSize: 16, MaxLatency: Duration(5 * time.Millisecond)}, Versions: versions}
	s, err := Start(context.Background(), spec, t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c := &Client{Addr: s.AdminAddr()}
	for _, v := range versions {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		_, err := c.WaitReady(ctx, v.Version, true)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	return s, c
}

type answer struct {
	Code    int
	Version string    `json:"model_version"`
	ID      string    `json:"id"`
	Error   string    `json:"error"`
	Outputs []tensorJ `json:"outputs"`
}

type tensorJ struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

func post(t testing.TB, url, body string) answer {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s: %v: %s", url, err, b)
	}
	a.Code = resp.StatusCode
	return a
}

func row(id string, vals ...float32) string {
	b, _ := json.Marshal(map[string]any{"id": id, "inputs": []map[string]any{{"name": "input", "datatype": "FP32", "shape": []int{len(vals) / 4, 4}, "data": vals}}})
	return string(b)
}

func get(t *testing.T, url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOIP checks the protocol's endpoints and answers on real workers.
func TestOIP(t *testing.T) {
	dir := models(t)
	s, _ := start(t, spawned(1, 100, filepath.Join(dir, "double")))
	base := "http://" + s.Addr()
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/v2/health/live", 200, ""},
		{"/v2/health/ready", 200, ""},
		{"/v2/models/m/ready", 200, ""},
		{"/v2/models/m/versions/1/ready", 200, ""},
		{"/v2/models/m/versions/2/ready", 404, "no version"},
		{"/v2/models/other/ready", 404, `no model`},
		{"/v2/models/m", 200, `"inputs":[{"name":"input","datatype":"FP32","shape":[-1,4]}]`},
		{"/metrics", 200, "mltf_serving_traffic_weight"},
	} {
		code, body := get(t, base+tc.path)
		if code != tc.code || !strings.Contains(body, tc.body) {
			t.Errorf("GET %s: %d %q, want %d containing %q", tc.path, code, body, tc.code, tc.body)
		}
	}
	a := post(t, base+"/v2/models/m/infer", row("r1", 1, 2, 3, 4, 5, 6, 7, 8))
	if a.Code != 200 || a.ID != "r1" || a.Version != "1" || fmt.Sprint(a.Outputs[0].Shape, a.Outputs[0].Data) != "[2 2] [2 4 10 12]" {
		t.Errorf("infer: %+v", a)
	}
	nested := `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[[1,1,1,1]]}]}`
	if a := post(t, base+"/v2/models/m/versions/1/infer", nested); a.Code != 200 || fmt.Sprint(a.Outputs[0].Data) != "[2 2]" {
		t.Errorf("infer with rows: %+v", a)
	}
	for body, want := range map[string]string{
		row("bad", 1, 2, 3):           "3 values are not rows of 4 columns",
		`{"inputs": []}`:              "0 inputs",
		`{"inputs": [{"data": "x"}]}`: "data must be numbers",
		`not json`:                    "not an inference request",
	} {
		if a := post(t, base+"/v2/models/m/infer", body); a.Code != 400 || !strings.Contains(a.Error, want) {
			t.Errorf("infer %s: %d %q, want 400 with %q", body, a.Code, a.Error, want)
		}
	}
}

// TestBatching: concurrent callers each get the outputs of their own rows,
// and every row goes through a batch.
func TestBatching(t *testing.T) {
	dir := models(t)
	s, c := start(t, spawned(1, 100, filepath.Join(dir, "double"), true))
	url := "http://" + s.Addr() + "/v2/models/m/infer"
	var wg sync.WaitGroup
	const callers, each = 32, 25
	errs := make(chan string, callers*each)
	for g := 0; g < callers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				x := float32(g*1000 + i)
				a := post(t, url, row("", x, -x, 0, 0))
				if a.Code != 200 || len(a.Outputs) != 1 || fmt.Sprint(a.Outputs[0].Data) != fmt.Sprint([]float32{2 * x, -2 * x}) {
					errs <- fmt.Sprintf("caller %d request %d: %+v", g, i, a)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	st, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := st.Versions[0]
	if v.Live.Requests != callers*each || v.BatchRows != callers*each || v.Batches > v.BatchRows {
		t.Errorf("stats: %d requests, %d rows in %d batches; want %d of each", v.Live.Requests, v.BatchRows, v.Batches, callers*each)
	}
	t.Logf("%d rows in %d batches (%.1f rows a batch)", v.BatchRows, v.Batches, float64(v.BatchRows)/float64(v.Batches))
}

// TestTrafficSplit: weights split live traffic; a shadow version sees a
// copy of every request and answers none.
func TestTrafficSplit(t *testing.T) {
	dir := models(t)
	s, c := start(t, spawned(1, 80, filepath.Join(dir, "double")), spawned(2, 20, filepath.Join(dir, "triple")))
	url := "http://" + s.Addr() + "/v2/models/m/infer"
	count := map[string]int{}
	for i := 0; i < 1000; i++ {
		a := post(t, url, row("", 1, 1, 1, 1))
		want := map[string]float32{"1": 2, "2": 3}[a.Version]
		if a.Code != 200 || a.Outputs[0].Data[0] != want {
			t.Fatalf("answer %+v", a)
		}
		count[a.Version]++
	}
	if count["2"] < 120 || count["2"] > 280 {
		t.Errorf("version 2 (weight 20 of 100) answered %d of 1000", count["2"])
	}
	t.Logf("answers by version: %v", count)

	v1, v2 := spawned(1, 100, filepath.Join(dir, "double")), spawned(2, 0, filepath.Join(dir, "triple"))
	v2.Shadow = 100
	if _, err := c.Apply(context.Background(), []Version{v1, v2}, "shadow"); err != nil {
		t.Fatal(err)
	}
	before, _ := c.Stats(context.Background())
	for i := 0; i < 200; i++ {
		if a := post(t, url, row("", 1, 1, 1, 1)); a.Version != "1" {
			t.Fatalf("a shadow version answered: %+v", a)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _ := c.Stats(context.Background())
		mirrored := st.Versions[1].Mirrored.Requests - before.Versions[1].Mirrored.Requests
		if mirrored == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("shadow version saw %d of 200 requests", mirrored)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrokenVersion: a version whose model fails answers 500 with the
// model's error, counted by version and code.
func TestBrokenVersion(t *testing.T) {
	dir := models(t)
	s, c := start(t, spawned(1, 100, filepath.Join(dir, "broken")))
	a := post(t, "http://"+s.Addr()+"/v2/models/m/infer", row("", 1, 1, 1, 1))
	if a.Code != 500 || !strings.Contains(a.Error, "broken on purpose") {
		t.Errorf("broken version answered %d %q", a.Code, a.Error)
	}
	st, _ := c.Stats(context.Background())
	if st.Versions[0].Live.Errors != 1 {
		t.Errorf("errors counted: %d, want 1", st.Versions[0].Live.Errors)
	}
	_, metrics := get(t, "http://"+s.Addr()+"/metrics")
	if !strings.Contains(metrics, `mltf_serving_requests_total{code="500",model="m",role="live",version="1"} 1`) {
		t.Errorf("/metrics lacks the failed request:\n%s", grepLines(metrics, "requests_total"))
	}
}

// TestCutover: moving all traffic to a new version and stopping the old
// one under steady load loses no request.
func TestCutover(t *testing.T) {
	dir := models(t)
	s, c := start(t, spawned(1, 100, filepath.Join(dir, "double"), true))
	url := "http://" + s.Addr() + "/v2/models/m/infer"
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed, total := 0, 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Post(url, "application/json", bytes.NewReader([]byte(row("", 1, 1, 1, 1))))
				mu.Lock()
				total++
				if err != nil || resp.StatusCode != 200 {
					failed++
				}
				mu.Unlock()
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	ctx := context.Background()
	time.Sleep(300 * time.Millisecond)
	v1, v2 := spawned(1, 100, filepath.Join(dir, "double"), true), spawned(2, 0, filepath.Join(dir, "triple"), true)
	if _, err := c.Apply(ctx, []Version{v1, v2}, "green starts"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitReady(ctx, 2, true); err != nil {
		t.Fatal(err)
	}
	v1.Weight, v2.Weight = 0, 100
	if _, err := c.Apply(ctx, []Version{v1, v2}, "switch"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := c.Apply(ctx, []Version{v2}, "blue stops"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failed != 0 || total == 0 {
		t.Errorf("%d of %d requests failed during the cutover", failed, total)
	}
	if a := post(t, url, row("", 1, 1, 1, 1)); a.Version != "2" {
		t.Errorf("after the cutover version %s answered", a.Version)
	}
	if _, err := os.Stat(filepath.Join(s.dir, TimelineFile)); err != nil {
		t.Error(err)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// worker starts mltf_worker.py on host:port with the model in modelDir and
// returns once it listens.
func worker(t *testing.T, modelDir, host, port string) {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("..", "sdk", "python", "mltf_worker.py"))
	cmd := exec.Command(python, script, "--model", modelDir, "--host", host, "--port", port)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 4096)
	var got []byte
	for !strings.Contains(string(got), "listening on") {
		n, err := out.Read(buf)
		if err != nil {
			t.Fatalf("worker on %s:%s: %v (%s)", host, port, err, got)
		}
		got = append(got, buf[:n]...)
	}
	go io.Copy(io.Discard, out)
}

// TestWorkersByName: a version's workers named by a host name (on
// Kubernetes, its headless Service) are every address the name resolves
// to, each fed batches of its own, so requests reach every replica; the
// workers follow the name as it resolves to fewer or more addresses.
func TestWorkersByName(t *testing.T) {
	dir := models(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	// Two replicas on one port at two loopback addresses, as two pods of
	// a Service are.
	worker(t, filepath.Join(dir, "double"), "127.0.0.1", port)
	worker(t, filepath.Join(dir, "double"), "127.0.0.2", port)
	var mu sync.Mutex
	resolves := []string{"127.0.0.1", "127.0.0.2"}
	s, c := start(t)
	s.mu.Lock() // Apply reads them under it
	s.resolveEvery = 50 * time.Millisecond
	s.lookup = func(ctx context.Context, host string) ([]string, error) {
		if host != "workers.test" {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), resolves...), nil
	}
	s.mu.Unlock()
	ctx := context.Background()
	if _, err := c.Apply(ctx, []Version{{Version: 1, Weight: 100, Workers: []string{"workers.test:" + port}, Replicas: 2}}, ""); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := c.WaitReady(wctx, 1, true); err != nil {
		t.Fatal(err)
	}
	url := "http://" + s.Addr() + "/v2/models/m/infer"
	send := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < n; i += 8 {
					if a := post(t, url, row("", float32(i), 0, 0, 0)); a.Code != 200 || a.Outputs[0].Data[0] != float32(2*i) {
						t.Errorf("request %d: %+v", i, a)
					}
				}
			}()
		}
		wg.Wait()
	}
	endpoints := func() map[string]int64 {
		st, err := c.Stats(ctx)
		if err != nil || len(st.Versions) != 1 {
			t.Fatalf("stats %+v, %v", st, err)
		}
		out := map[string]int64{}
		for _, e := range st.Versions[0].Endpoints {
			out[e.Addr] = e.Batches
		}
		return out
	}
	send(400)
	got := endpoints()
	t.Logf("batches by worker: %v", got)
	if len(got) != 2 || got["127.0.0.1:"+port] == 0 || got["127.0.0.2:"+port] == 0 {
		t.Errorf("batches by worker %v: want both replicas fed", got)
	}
	// The front end keeps a connection open to each worker between
	// batches; a worker still answers health checks on others (the
	// kubelet's probes), else its pod would turn unready.
	probe := &http.Client{Timeout: 2 * time.Second}
	for _, host := range []string{"127.0.0.1", "127.0.0.2"} {
		resp, err := probe.Get("http://" + net.JoinHostPort(host, port) + "/v1/health/ready")
		if err != nil {
			t.Errorf("health check of %s beside the front end's open connection: %v", host, err)
			continue
		}
		resp.Body.Close()
	}
	// Each worker counts the requests of its batches for /metrics, what
	// autoscale's target_rps scales on: together, every request once.
	var requests int
	for _, host := range []string{"127.0.0.1", "127.0.0.2"} {
		resp, err := probe.Get("http://" + net.JoinHostPort(host, port) + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		code, body := resp.StatusCode, string(b)
		var n int
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, "mltf_worker_requests_total "); ok {
				fmt.Sscan(v, &n)
			}
		}
		if code != 200 || n == 0 {
			t.Errorf("%s's /metrics: %d\n%s", host, code, body)
		}
		requests += n
	}
	if requests != 400 {
		t.Errorf("the workers counted %d requests, want 400", requests)
	}
	follow := func(to []string) {
		t.Helper()
		mu.Lock()
		resolves = to
		mu.Unlock()
		for deadline := time.Now().Add(10 * time.Second); len(endpoints()) != len(to); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("workers %v; the name resolves to %v", endpoints(), to)
			}
		}
	}
	follow([]string{"127.0.0.2"}) // a pod went away
	send(50)
	if got := endpoints(); got["127.0.0.2:"+port] == 0 || len(got) != 1 {
		t.Errorf("batches by worker %v after 127.0.0.1 went", got)
	}
	follow([]string{"127.0.0.2", "127.0.0.1"}) // it came back
	send(200)
	if got := endpoints(); got["127.0.0.1:"+port] == 0 {
		t.Errorf("batches by worker %v: the worker that came back is not fed", got)
	}
}

// TestTimelineAPI: the admin API hands out the timeline the front end
// writes, events and samples, as mltf deployments plot reads it from a
// front end it cannot read the files of (a pod's).
func TestTimelineAPI(t *testing.T) {
	s, c := start(t)
	ctx := context.Background()
	if err := c.Event(ctx, "canary 5%: version 2"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond) // a sample
	points, err := c.Timeline(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(s.dir, TimelineFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	onDisk, _ := ReadTimeline(f)
	if len(points) < 3 || points[0].Event != "started" || points[1].Event != "canary 5%: version 2" || points[2].Event != "" || len(onDisk) < len(points) {
		t.Errorf("timeline %+v, on disk %d points", points, len(onDisk))
	}
}
