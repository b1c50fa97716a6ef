package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mltf/mltf/server"
	"github.com/mltf/mltf/state/tracking"
)

// TestPipelineRunsOutliveTheServer starts pipeline runs on one server and
// reads them from another over the same stores, as after a restart: the
// record, its status and its output come from the tracking store.
func TestPipelineRunsOutliveTheServer(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	runner := func(ctx context.Context, r server.PipelineRun) error {
		r.Output(r.PipelineID + ": planning")
		<-release
		r.Output(r.PipelineID + ": Apply complete!")
		if r.PipelineID == "broken" {
			return errors.New("step build exited with status 2")
		}
		return nil
	}
	first := httptest.NewServer(server.New(server.Options{Tracking: e.ts, State: e.st, Workspace: "default", Pipelines: runner}))
	defer first.Close()
	call := func(base, method, path, role, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
		return resp.StatusCode, m
	}
	status, good := call(first.URL, "POST", "/api/v1/pipelines/runs", "writer", `{"pipeline_id":"features","config":{"window":14}}`)
	if status != http.StatusAccepted || good["status"] != "running" {
		t.Fatalf("POST: %d %v", status, good)
	}
	_, bad := call(first.URL, "POST", "/api/v1/pipelines/runs", "writer", `{"pipeline_id":"broken"}`)

	// Another server sees the running runs from the tracking store.
	second := httptest.NewServer(server.New(server.Options{Tracking: e.ts, State: e.st, Workspace: "default"}))
	defer second.Close()
	if _, got := call(second.URL, "GET", "/api/v1/pipelines/runs/"+good["id"].(string), "reader", ""); got["status"] != "running" || got["who"] != "writer-bot via mltf server" {
		t.Errorf("a running run read by another server: %v", got)
	}

	close(release)
	deadline := time.Now().Add(30 * time.Second)
	for _, id := range []string{good["id"].(string), bad["id"].(string)} {
		for {
			_, got := call(first.URL, "GET", "/api/v1/pipelines/runs/"+id, "reader", "")
			if got["status"] != "running" || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	first.Close()

	_, got := call(second.URL, "GET", "/api/v1/pipelines/runs/"+good["id"].(string), "reader", "")
	out, _ := json.Marshal(got["output"])
	if got["status"] != "succeeded" || got["finished"] == nil || string(out) != `["features: planning","features: Apply complete!"]` ||
		got["config"].(map[string]any)["window"] != 14.0 {
		t.Errorf("a finished run after its server stopped: %v", got)
	}
	_, got = call(second.URL, "GET", "/api/v1/pipelines/runs/"+bad["id"].(string), "reader", "")
	if got["status"] != "failed" || got["error"] != "step build exited with status 2" {
		t.Errorf("a failed run after its server stopped: %v", got)
	}
	_, list := call(second.URL, "GET", "/api/v1/pipelines/runs", "reader", "")
	runs, _ := list["runs"].([]any)
	if len(runs) != 2 || len(runs[0].(map[string]any)["output"].([]any)) != 2 {
		t.Errorf("the list after the server stopped: %v", list)
	}
	_, list = call(second.URL, "GET", "/api/v1/pipelines/runs?pipeline_id=broken", "reader", "")
	if runs, _ := list["runs"].([]any); len(runs) != 1 {
		t.Errorf("the list of one pipeline: %v", list)
	}
	if status, got := call(second.URL, "GET", "/api/v1/pipelines/runs/nope", "reader", ""); status != http.StatusNotFound {
		t.Errorf("an unknown run: %d %v", status, got)
	}

	// A run its server stopped writing long ago was cut off.
	if err := e.ts.CreatePipelineRun(ctx, tracking.PipelineRun{ID: "cut", PipelineID: "features", Status: tracking.PipelineRunning,
		Started: time.Now().Add(-time.Hour), Updated: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, got := call(second.URL, "GET", "/api/v1/pipelines/runs/cut", "reader", ""); got["status"] != "interrupted" || !strings.Contains(got["error"].(string), "stopped before the apply ended") {
		t.Errorf("a run whose server stopped: %v", got)
	}
}

// TestStopWaitsForPipelineRuns stops a server while it applies a pipeline
// run: Serve returns once the apply ended and its record is written; an
// apply that goes on past PipelineGrace is interrupted, and its record
// says so.
func TestStopWaitsForPipelineRuns(t *testing.T) {
	tests := []struct {
		name   string
		grace  time.Duration
		status string
		errs   string // in Serve's error; "" for none
	}{
		{"the apply ends within the grace", time.Minute, tracking.PipelineSucceeded, ""},
		{"the apply is interrupted after the grace", 200 * time.Millisecond, tracking.PipelineInterrupted, "1 pipeline run(s) still applying after 200ms were interrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			stopping := make(chan struct{})
			applyEnded := make(chan struct{})
			runner := func(ctx context.Context, r server.PipelineRun) error {
				defer close(applyEnded)
				r.Output("step make: running")
				select {
				case <-stopping:
				case <-ctx.Done():
					t.Error("the apply was interrupted before the server stopped")
					return ctx.Err()
				}
				select {
				case <-time.After(500 * time.Millisecond): // the step finishes
					r.Output("Apply complete!")
					return nil
				case <-ctx.Done():
					r.Output("Interrupt received: stopping gracefully")
					return errors.New("mltf apply -target=pipeline.features exited with 1")
				}
			}
			srv := server.New(server.Options{Tracking: e.ts, State: e.st, Workspace: "default", Pipelines: runner, PipelineGrace: tt.grace})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, stop := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ctx, ln, nil, 5*time.Second) }()

			req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/pipelines/runs", strings.NewReader(`{"pipeline_id":"features"}`))
			req.Header.Set("Authorization", "Bearer "+e.tokens["writer"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var started map[string]any
			json.NewDecoder(resp.Body).Decode(&started)
			resp.Body.Close()
			id, _ := started["id"].(string)
			if resp.StatusCode != http.StatusAccepted || id == "" {
				t.Fatalf("POST: %d %v", resp.StatusCode, started)
			}

			stop() // as SIGTERM does
			close(stopping)
			var serveErr error
			select {
			case serveErr = <-served:
			case <-time.After(30 * time.Second):
				t.Fatal("Serve did not return")
			}
			select {
			case <-applyEnded:
			default:
				t.Fatal("Serve returned while the apply went on")
			}
			if tt.errs == "" && serveErr != nil || tt.errs != "" && (serveErr == nil || !strings.Contains(serveErr.Error(), tt.errs)) {
				t.Errorf("Serve = %v, want an error with %q", serveErr, tt.errs)
			}
			rec, err := e.ts.GetPipelineRun(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status != tt.status || rec.Finished.IsZero() {
				t.Errorf("the run's record: status %s, finished %v; want %s", rec.Status, rec.Finished, tt.status)
			}
			if tt.status == tracking.PipelineInterrupted && (!strings.Contains(rec.Error, "interrupted the apply after waiting 200ms") ||
				rec.Output[len(rec.Output)-1] != "Interrupt received: stopping gracefully") {
				t.Errorf("the interrupted run's record: %+v", rec)
			}
		})
	}
}
