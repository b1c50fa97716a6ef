package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/pgtest"
	"github.com/mltf/mltf/server"
	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
	"github.com/mltf/mltf/state/tracking"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// env is a server over a fresh tracking store and state store, with a
// token of each role.
type env struct {
	t        *testing.T
	ts       *tracking.Store
	st       *store.Store
	dir      string
	srv      *httptest.Server
	tokens   map[string]string // by role name, and "revoked"
	exp      tracking.Experiment
	run      tracking.Run
	logLines *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	return newEnvURL(t, "")
}

func newEnvURL(t *testing.T, trackingURL string) *env {
	t.Helper()
	dir := t.TempDir()
	if trackingURL == "" {
		trackingURL = "sqlite://" + filepath.Join(dir, "tracking.db")
	}
	ts, err := tracking.Open(ctx, trackingURL, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	st, err := store.Open(ctx, "file://"+filepath.Join(dir, "state"), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, ts: ts, st: st, dir: dir, tokens: map[string]string{}, logLines: &bytes.Buffer{}}
	for _, role := range []api.Role{api.Reader, api.Writer, api.Admin} {
		secret, _, err := server.CreateToken(ctx, ts, role, role.String()+"-bot")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role.String()] = secret
	}
	secret, tok, err := server.CreateToken(ctx, ts, api.Admin, "gone")
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	e.tokens["revoked"] = secret
	e.tokens["unknown"] = "mltf_not-a-token"

	e.exp, err = ts.CreateExperiment(ctx, tracking.Experiment{Name: "digits", Description: "small MLP"})
	if err != nil {
		t.Fatal(err)
	}
	artifacts := filepath.Join(dir, "artifacts", "runs", "r1")
	os.MkdirAll(filepath.Join(artifacts, "model"), 0o755)
	os.WriteFile(filepath.Join(artifacts, "model", "model.pt"), []byte("weights"), 0o644)
	e.run = tracking.Run{ID: "r1", ExperimentID: e.exp.ID, Name: "mlp", Status: tracking.StatusFinished, Address: "training.mlp",
		Params: json.RawMessage(`{"lr":0.05,"epochs":20}`), Metrics: map[string]float64{"accuracy": 0.97}, ArtifactURI: "file://" + artifacts,
		Started: time.UnixMilli(1_700_000_000_000).UTC(), Finished: time.UnixMilli(1_700_000_060_000).UTC()}
	if err := ts.CreateRun(ctx, e.run); err != nil {
		t.Fatal(err)
	}
	var pts []tracking.MetricPoint
	for i := range 5 {
		pts = append(pts, tracking.MetricPoint{RunID: "r1", Name: "loss", Step: int64(i), Value: 1 / float64(i+1)})
	}
	if err := ts.LogMetrics(ctx, pts); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "runs", "r1", "logs"), 0o755)
	os.WriteFile(filepath.Join(dir, "runs", "r1", "logs", "rank-0.log"), []byte("epoch 1 loss=0.5\nepoch 2 loss=0.3\n"), 0o644)
	if _, err := ts.CreateModelVersion(ctx, tracking.ModelVersion{Model: "digits", Version: 1, RunID: "r1", ArtifactURI: "file:///m/1", Metrics: map[string]float64{"accuracy": 0.97}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.MoveAlias(ctx, tracking.AliasMove{Model: "digits", Alias: "production", To: 1, Who: "ana@laptop"}); err != nil {
		t.Fatal(err)
	}

	// The state of the workspace: model.digits with its gate, as an
	// apply of examples/quickstart records it.
	attrs, err := os.ReadFile("testdata/model-digits.json")
	if err != nil {
		t.Fatal(err)
	}
	s := state.New()
	s.SetInstance("model.digits", "model", "digits", "registry", "", &state.Instance{Status: state.Ready, Attributes: attrs})
	if err := st.Write(ctx, "default", s); err != nil {
		t.Fatal(err)
	}

	srv := server.New(server.Options{Tracking: ts, State: st, Workspace: "default", WorkDir: dir, RunsDir: filepath.Join(dir, "runs"),
		ArtifactsURL: "file://" + filepath.Join(dir, "artifacts"), Log: newLogger(e.logLines)})
	e.srv = httptest.NewServer(srv)
	t.Cleanup(e.srv.Close)
	return e
}

// do sends a request with the token of role ("" for none) and returns
// the status and body.
func (e *env) do(method, path, role string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// get decodes the JSON answer of a GET that must succeed.
func (e *env) get(path, role string, v any) {
	e.t.Helper()
	status, b := e.do("GET", path, role, nil)
	if status != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		e.t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

func TestHealthzNeedsNoToken(t *testing.T) {
	e := newEnv(t)
	status, b := e.do("GET", "/healthz", "", nil)
	if status != http.StatusOK || !strings.Contains(string(b), `"status":"ok"`) {
		t.Errorf("healthz: %d %s", status, b)
	}
}

// TestRoles sends a request of each group of endpoints with each kind of
// token: none and unknown and revoked get 401, a weaker role 403.
func TestRoles(t *testing.T) {
	e := newEnv(t)
	groups := []struct {
		name   string
		method string
		path   string
		body   any
		need   api.Role
	}{
		{"v1 read", "GET", "/api/v1/experiments", nil, api.Reader},
		{"v1 run", "GET", "/api/v1/experiments/" + e.exp.ID + "/runs/r1", nil, api.Reader},
		{"v1 models", "GET", "/api/v1/models", nil, api.Reader},
		{"v1 datasets", "GET", "/api/v1/datasets", nil, api.Reader},
		{"openapi", "GET", "/api/openapi.json", nil, api.Public},
		{"v1 register", "POST", "/api/v1/models/register", map[string]any{"name": "other", "artifact_uri": e.run.ArtifactURI}, api.Writer},
		{"v1 stage", "PUT", "/api/v1/models/digits/versions/1/stage", map[string]any{"stage": "staging"}, api.Admin},
		{"mlflow read", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + e.exp.ID, nil, api.Reader},
		{"mlflow search", "POST", "/api/2.0/mlflow/runs/search", map[string]any{"experiment_ids": []string{e.exp.ID}}, api.Reader},
		{"mlflow write", "POST", "/api/2.0/mlflow/runs/log-metric", map[string]any{"run_id": "r1", "key": "x", "value": 1, "timestamp": 1, "step": 0}, api.Writer},
		{"mlflow multipart upload", "POST", "/api/2.0/mlflow-artifacts/mpu/create/runs/r1/model", map[string]any{"path": "/tmp/big.bin", "num_parts": 2}, api.Writer},
		{"mlflow alias", "POST", "/api/2.0/mlflow/registered-models/alias", map[string]any{"name": "digits", "alias": "staging", "version": "1"}, api.Admin},
	}
	callers := []struct {
		token string
		role  api.Role
	}{{"", 0}, {"unknown", 0}, {"revoked", 0}, {"reader", api.Reader}, {"writer", api.Writer}, {"admin", api.Admin}}
	for _, g := range groups {
		for _, c := range callers {
			name := c.token
			if name == "" {
				name = "none"
			}
			t.Run(g.name+"/"+name, func(t *testing.T) {
				status, b := e.do(g.method, g.path, c.token, g.body)
				want := "allowed"
				switch {
				case g.need == api.Public:
				case c.role == 0:
					want = "401"
				case c.role < g.need:
					want = "403"
				}
				got := "allowed"
				if status == 401 || status == 403 {
					got = strconv.Itoa(status)
				}
				if got != want {
					t.Errorf("%s %s as %s: %d %s; want %s", g.method, g.path, name, status, b, want)
				}
				if got == "allowed" && status >= 300 {
					t.Errorf("%s %s as %s: %d %s", g.method, g.path, name, status, b)
				}
			})
		}
	}
	if !strings.Contains(e.logLines.String(), `"path":"/api/v1/models/register"`) || !strings.Contains(e.logLines.String(), `"role":"writer"`) {
		t.Errorf("the access log misses requests:\n%s", e.logLines.String())
	}
}
