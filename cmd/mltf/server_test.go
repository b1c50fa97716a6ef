package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/e2e"
)

const serverPipelineConfig = `
variable "window" {
  type    = number
  default = 7
}
cluster "dev" {
  pool "cpu" { slots = 1 }
}
pipeline "features" {
  pool = cluster.dev.pool.cpu
  step "make" {
    code    = "./steps/make"
    command = ["sh", "make.sh"]
    params  = { window = var.window }
    outputs = ["out.json"]
  }
}
`

// startServer starts mltf server in dir with args and returns it, its
// stderr and its URL.
func startServer(t *testing.T, dir string, args ...string) (*exec.Cmd, *syncBuffer, string) {
	t.Helper()
	srv := exec.Command(e2e.Binary(t), append([]string{"server", "-listen", "127.0.0.1:0"}, args...)...)
	srv.Dir = dir
	stdout, _ := srv.StdoutPipe()
	stderr := &syncBuffer{}
	srv.Stderr = stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("no output from mltf server; stderr:\n%s", stderr.String())
	}
	first := sc.Text() // before the goroutine below scans on and overwrites it
	go func() {
		for sc.Scan() {
		}
	}()
	return srv, stderr, strings.TrimPrefix(first, "mltf server listening on ")
}

// TestServerPipelineRun runs mltf server as a user would: a token from
// mltf server token create, a pipeline applied through POST
// /api/v1/pipelines/runs with a variable from its config, then SIGTERM.
func TestServerPipelineRun(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": serverPipelineConfig})
	os.MkdirAll(filepath.Join(dir, "steps", "make"), 0o755)
	os.WriteFile(filepath.Join(dir, "steps", "make", "make.sh"), []byte("echo \"$MLTF_PARAMS\" > \"$MLTF_OUTPUT_DIR/out.json\"\n"), 0o644)
	e2e.Must(t, dir, 0, "init")
	token := strings.TrimSpace(e2e.Must(t, dir, 0, "server", "token", "create", "-role", "writer", "-name", "ci").Stdout)
	reader := strings.TrimSpace(e2e.Must(t, dir, 0, "server", "token", "create", "-role", "reader").Stdout)
	if list := e2e.Must(t, dir, 0, "server", "token", "list").Stdout; !strings.Contains(list, "writer  ci") || strings.Contains(list, token) {
		t.Errorf("token list:\n%s", list)
	}

	srv, stderr, base := startServer(t, dir)

	call := func(method, path, tok string, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if status, _ := call("POST", "/api/v1/pipelines/runs", reader, `{"pipeline_id":"features"}`); status != http.StatusForbidden {
		t.Errorf("a reader started a pipeline: %d", status)
	}
	status, run := call("POST", "/api/v1/pipelines/runs", token, `{"pipeline_id":"features","config":{"window":14}}`)
	if status != http.StatusAccepted {
		t.Fatalf("POST /api/v1/pipelines/runs: %d %v", status, run)
	}
	id, _ := run["id"].(string)
	deadline := time.Now().Add(2 * time.Minute)
	for run["status"] == "running" && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		_, run = call("GET", "/api/v1/pipelines/runs/"+id, reader, "")
	}
	out, _ := json.Marshal(run["output"])
	if run["status"] != "succeeded" || !strings.Contains(string(out), "Apply complete!") || run["who"] != "ci via mltf server" {
		t.Fatalf("the pipeline run: %v", run)
	}
	if !strings.Contains(string(out), "window = 14") {
		t.Errorf("the pipeline did not get window = 14 from the config:\n%s", out)
	}
	if st := e2e.Must(t, dir, 0, "state", "list").Stdout; !strings.Contains(st, "pipeline.features") {
		t.Errorf("state list after the API's pipeline run:\n%s", st)
	}

	// Graceful shutdown on SIGTERM, exit 0, and the access log in JSON.
	srv.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("mltf server after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("mltf server did not stop after SIGTERM")
	}
	first, _, _ := strings.Cut(stderr.String(), "\n")
	var line map[string]any
	if err := json.Unmarshal([]byte(first), &line); err != nil || line["msg"] == nil {
		t.Errorf("the access log is not JSON lines: %q", first)
	}
	if !strings.Contains(stderr.String(), `"path":"/api/v1/pipelines/runs"`) || strings.Contains(stderr.String(), token) {
		t.Errorf("access log:\n%s", stderr.String())
	}

	// Started again, the server still knows the run: its status and
	// output are in the tracking store.
	_, _, base = startServer(t, dir)
	if _, again := call("GET", "/api/v1/pipelines/runs/"+id, reader, ""); again["status"] != "succeeded" || fmt.Sprint(again["output"]) != fmt.Sprint(run["output"]) {
		t.Errorf("the pipeline run after a restart: %v", again)
	}
}

// TestServerStopInterruptsPipeline stops mltf server (SIGTERM) while a
// pipeline run it started applies a step that outlasts -pipeline-grace:
// the server interrupts the apply, waits for it to save and release the
// state lock, records the run as interrupted and exits; the next command
// takes the lock at once, and the step run left going is re-attached to.
func TestServerStopInterruptsPipeline(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": strings.Replace(serverPipelineConfig, `"./steps/make"`, `"./steps/slow"`, 1)})
	pidFile := filepath.Join(dir, "step.pid")
	os.MkdirAll(filepath.Join(dir, "steps", "slow"), 0o755)
	os.WriteFile(filepath.Join(dir, "steps", "slow", "make.sh"), []byte("echo $$ > "+pidFile+"\nsleep 20\necho \"$MLTF_PARAMS\" > \"$MLTF_OUTPUT_DIR/out.json\"\n"), 0o644)
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			var pid int
			fmt.Sscan(string(b), &pid)
			if pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	e2e.Must(t, dir, 0, "init")
	token := strings.TrimSpace(e2e.Must(t, dir, 0, "server", "token", "create", "-role", "writer").Stdout)

	srv, stderr, base := startServer(t, dir, "-pipeline-grace", "1s")
	req, _ := http.NewRequest("POST", base+"/api/v1/pipelines/runs", strings.NewReader(`{"pipeline_id":"features"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var run map[string]any
	json.NewDecoder(resp.Body).Decode(&run)
	resp.Body.Close()
	id, _ := run["id"].(string)
	if resp.StatusCode != http.StatusAccepted || id == "" {
		t.Fatalf("POST /api/v1/pipelines/runs: %d %v", resp.StatusCode, run)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(pidFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the step did not start; server stderr:\n%s", stderr.String())
		}
	}

	srv.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("mltf server did not stop after SIGTERM:\n%s", stderr.String())
	}
	if err == nil || !strings.Contains(stderr.String(), "were interrupted") || !strings.Contains(stderr.String(), `"msg":"interrupting pipeline runs"`) {
		t.Errorf("mltf server after SIGTERM: %v\n%s", err, stderr.String())
	}

	// The lock is free at once, and the run's record says what happened.
	e2e.Must(t, dir, 0, "plan", "-lock-timeout=0s")
	_, _, base2 := startServer(t, dir)
	req, _ = http.NewRequest("GET", base2+"/api/v1/pipelines/runs/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	run = nil
	json.NewDecoder(resp.Body).Decode(&run)
	resp.Body.Close()
	out, _ := json.Marshal(run["output"])
	if run["status"] != "interrupted" || run["finished"] == nil || !strings.Contains(fmt.Sprint(run["error"]), "interrupted the apply after waiting 1s") {
		t.Errorf("the interrupted run's record: %v", run)
	}
	if !strings.Contains(string(out), "detached, still running") || !strings.Contains(string(out), "Apply interrupted") {
		t.Errorf("the interrupted run's output says nothing of the interruption:\n%s", out)
	}
}
