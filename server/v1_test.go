package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/server"
	"github.com/mltf/mltf/state/tracking"
)

func TestExperimentsAndRuns(t *testing.T) {
	e := newEnv(t)
	var exps struct{ Experiments []server.Experiment }
	e.get("/api/v1/experiments", "reader", &exps)
	if len(exps.Experiments) != 1 || exps.Experiments[0].Name != "digits" || exps.Experiments[0].Description != "small MLP" {
		t.Errorf("experiments: %+v", exps)
	}
	var run server.RunDetail
	e.get("/api/v1/experiments/"+e.exp.ID+"/runs/r1", "reader", &run)
	if run.Name != "mlp" || run.Params["lr"] != 0.05 || run.Metrics["accuracy"] != 0.97 || run.Experiment.Name != "digits" {
		t.Errorf("run: %+v", run)
	}
	if d := cmp.Diff([]string{"loss"}, run.MetricNames); d != "" {
		t.Errorf("metric names (-want +got):\n%s", d)
	}
	if status, b := e.do("GET", "/api/v1/experiments/other/runs/r1", "reader", nil); status != http.StatusNotFound {
		t.Errorf("run in the wrong experiment: %d %s", status, b)
	}
	if status, b := e.do("GET", "/api/v1/runs/nope", "reader", nil); status != http.StatusNotFound || !strings.Contains(string(b), "RESOURCE_DOES_NOT_EXIST") {
		t.Errorf("missing run: %d %s", status, b)
	}

	// A second run, to filter and order.
	if err := e.ts.CreateRun(ctx, tracking.Run{ID: "r2", ExperimentID: e.exp.ID, Status: tracking.StatusFailed, Params: json.RawMessage(`{"lr":0.1}`),
		Metrics: map[string]float64{"accuracy": 0.5}, Started: time.UnixMilli(1_700_000_100_000)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"r2", "r1"}},
		{"?filter=metrics.accuracy+>+0.9", []string{"r1"}},
		{"?filter=params.lr+%3D+'0.1'", []string{"r2"}},
		{"?filter=attributes.status+%3D+'FINISHED'", []string{"r1"}},
		{"?order_by=metrics.accuracy+DESC", []string{"r1", "r2"}},
		{"?order_by=metrics.accuracy", []string{"r2", "r1"}},
		{"?max_results=1", []string{"r2"}},
		{"?max_results=1&page_token=1", []string{"r1"}},
	}
	for _, tt := range tests {
		var got struct{ Runs []server.Run }
		e.get("/api/v1/experiments/"+e.exp.ID+"/runs"+tt.query, "reader", &got)
		var ids []string
		for _, r := range got.Runs {
			ids = append(ids, r.ID)
		}
		if d := cmp.Diff(tt.want, ids); d != "" {
			t.Errorf("runs%s (-want +got):\n%s", tt.query, d)
		}
	}
	if status, b := e.do("GET", "/api/v1/runs?filter=metrics.accuracy+>+high", "reader", nil); status != http.StatusBadRequest || !strings.Contains(string(b), "not a number") {
		t.Errorf("bad filter: %d %s", status, b)
	}
}

func TestRunMetricsArtifactsLogs(t *testing.T) {
	e := newEnv(t)
	var m struct {
		Status  string
		Metrics map[string][]server.Point
	}
	e.get("/api/v1/runs/r1/metrics", "reader", &m)
	if m.Status != "finished" || len(m.Metrics["loss"]) != 5 || m.Metrics["loss"][4].Value != 0.2 {
		t.Errorf("metrics: %+v", m)
	}
	e.get("/api/v1/runs/r1/metrics?after_step=2", "reader", &m)
	if len(m.Metrics["loss"]) != 2 || m.Metrics["loss"][0].Step != 3 {
		t.Errorf("metrics after step 2: %+v", m.Metrics)
	}
	var one struct{ Points []server.Point }
	e.get("/api/v1/runs/r1/metrics/loss", "reader", &one)
	if len(one.Points) != 5 {
		t.Errorf("loss: %+v", one)
	}
	var arts struct{ Files []server.Artifact }
	e.get("/api/v1/runs/r1/artifacts", "reader", &arts)
	if d := cmp.Diff([]server.Artifact{{Path: "model/model.pt", Size: 7}}, arts.Files); d != "" {
		t.Errorf("artifacts (-want +got):\n%s", d)
	}
	status, b := e.do("GET", "/api/v1/runs/r1/artifacts/model/model.pt", "reader", nil)
	if status != 200 || string(b) != "weights" {
		t.Errorf("artifact: %d %q", status, b)
	}
	os.WriteFile(filepath.Join(e.dir, "artifacts", "secret"), []byte("secret"), 0o644)
	if status, b := e.do("GET", "/api/v1/runs/r1/artifacts/..%2F..%2Fsecret", "reader", nil); status != http.StatusNotFound {
		t.Errorf("an artifact path with ..: %d %q", status, b)
	}
	if status, b := e.do("GET", "/api/v1/no/such/endpoint", "reader", nil); status != http.StatusNotFound || !strings.Contains(string(b), "RESOURCE_DOES_NOT_EXIST") {
		t.Errorf("unknown endpoint: %d %q", status, b)
	}
	status, b = e.do("GET", "/api/v1/runs/r1/logs?offset=17", "reader", nil)
	if status != 200 || string(b) != "epoch 2 loss=0.3\n" {
		t.Errorf("log from offset 17: %d %q", status, b)
	}
	if status, _ := e.do("GET", "/api/v1/runs/r1/logs?rank=3", "reader", nil); status != http.StatusNotFound {
		t.Errorf("log of a rank that has none: %d", status)
	}
}

// TestStageThroughGates sets the production stage through the API: the
// gate of the model's state refuses a weak version (409, recorded) and
// passes a good one, recorded with the token's name.
func TestStageThroughGates(t *testing.T) {
	e := newEnv(t)
	for _, d := range []string{"m/2", "m/3", "m/9", "other"} {
		os.MkdirAll(filepath.Join(e.dir, d), 0o755)
		os.WriteFile(filepath.Join(e.dir, d, "model.pt"), []byte("weights of "+d), 0o644)
	}
	src := func(d string) string { return "file://" + filepath.Join(e.dir, d) }
	status, b := e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "digits", "artifact_uri": src("m/2"), "metrics": map[string]float64{"accuracy": 0.5}})
	if status != http.StatusCreated || !strings.Contains(string(b), `"version":2`) {
		t.Fatalf("register: %d %s", status, b)
	}
	status, b = e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "digits", "artifact_uri": src("m/3"), "metrics": map[string]float64{"accuracy": 0.99}, "stage": "production"})
	if status != http.StatusForbidden {
		t.Errorf("register with a stage as a writer: %d %s, want 403", status, b)
	}
	status, b = e.do("PUT", "/api/v1/models/digits/versions/2/stage", "admin", map[string]any{"stage": "production"})
	if status != http.StatusConflict || !strings.Contains(string(b), "accuracy below the production bar") {
		t.Errorf("stage of a version below the gate: %d %s", status, b)
	}
	status, b = e.do("POST", "/api/v1/models/register", "admin", map[string]any{"name": "digits", "version": 3, "artifact_uri": src("m/3"), "metrics": map[string]float64{"accuracy": 0.99}, "stage": "production"})
	if status != http.StatusCreated || !strings.Contains(string(b), `"moved":true`) {
		t.Fatalf("register with stage: %d %s", status, b)
	}
	// Registering the same version again is accepted; another is refused.
	if status, b := e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "digits", "version": 3, "artifact_uri": src("m/3")}); status != http.StatusOK {
		t.Errorf("same version again: %d %s", status, b)
	}
	if status, b := e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "digits", "version": 3, "artifact_uri": src("other")}); status != http.StatusConflict {
		t.Errorf("version 3 with other files: %d %s", status, b)
	}
	if status, b := e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "digits", "version": 9, "artifact_uri": src("m/9")}); status != http.StatusBadRequest || !strings.Contains(string(b), "the next version is 4") {
		t.Errorf("a gap in the versions: %d %s", status, b)
	}
	var m server.ModelDetail
	e.get("/api/v1/models/digits", "reader", &m)
	if m.Aliases["production"] != 3 || m.Address != "model.digits" || len(m.Gates) != 1 || !strings.Contains(m.Gates[0].Condition, "self.candidate.metrics.accuracy >= 0.9") {
		t.Errorf("model: aliases %v, address %q, gates %+v", m.Aliases, m.Address, m.Gates)
	}
	if len(m.History) != 3 || m.History[0].Who != "admin-bot via mltf server" || m.History[0].To != 3 || !m.History[1].Refused {
		t.Errorf("history: %+v", m.History)
	}
	var list struct{ Models []server.ModelSummary }
	e.get("/api/v1/models", "reader", &list)
	if len(list.Models) != 1 || list.Models[0].Latest != 3 {
		t.Errorf("models: %+v", list.Models)
	}
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	e.get("/api/openapi.json", "", &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	for _, r := range server.V1Routes() {
		method, path, _ := strings.Cut(r, " ")
		path = strings.ReplaceAll(path, "{path...}", "{path}")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("%s %s is not in openapi.json", method, path)
		}
	}
}

// TestServeTLSAndShutdown serves HTTPS with a certificate and stops when
// its context ends.
func TestServeTLSAndShutdown(t *testing.T) {
	e := newEnv(t)
	cert, key := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Options{Tracking: e.ts})
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln, &server.TLS{CertFile: cert, KeyFile: key}, 5*time.Second) }()
	pool := x509.NewCertPool()
	pemBytes, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(pemBytes)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("healthz over TLS: %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	if resp, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS server: %d", resp.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := client.Get("https://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestPipelinesWithoutRunner(t *testing.T) {
	e := newEnv(t)
	status, b := e.do("POST", "/api/v1/pipelines/runs", "writer", map[string]any{"pipeline_id": "features"})
	if status != http.StatusNotImplemented {
		t.Errorf("pipeline run on a server without a runner: %d %s", status, b)
	}
}

// TestRegisterCopiesArtifacts registers versions through the API: their
// files are copied into the registry's storage with a manifest, as mltf
// apply does, and stay as they were when the source changes.
func TestRegisterCopiesArtifacts(t *testing.T) {
	e := newEnv(t)
	status, b := e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "ranker", "artifact_uri": e.run.ArtifactURI, "run_id": "r1"})
	if status != http.StatusCreated {
		t.Fatalf("register: %d %s", status, b)
	}
	var got struct {
		ModelVersion server.ModelVersion `json:"model_version"`
	}
	json.Unmarshal(b, &got)
	v := got.ModelVersion
	registry := filepath.Join(e.dir, "artifacts", "models", "ranker", "1")
	if v.ArtifactURI != "file://"+registry || v.ContentHash == "" || len(v.Lineage.Files) != 1 || v.Lineage.Files[0].Path != "model/model.pt" || v.Lineage.SourceURI != e.run.ArtifactURI {
		t.Errorf("the version: %+v", v)
	}
	if b, err := os.ReadFile(filepath.Join(registry, "model", "model.pt")); err != nil || string(b) != "weights" {
		t.Errorf("the registry's copy: %q, %v", b, err)
	}
	var manifest struct {
		ContentHash string `json:"content_hash"`
		Files       []tracking.File
	}
	if b, err := os.ReadFile(filepath.Join(registry, "MANIFEST.json")); err != nil || json.Unmarshal(b, &manifest) != nil || manifest.ContentHash != v.ContentHash || len(manifest.Files) != 1 {
		t.Errorf("the manifest: %s, %v", b, err)
	}

	// The run's files change: the version's copy does not, and the same
	// version cannot be registered again from them.
	src := filepath.Join(e.dir, "artifacts", "runs", "r1", "model", "model.pt")
	os.WriteFile(src, []byte("retrained"), 0o644)
	if b, _ := os.ReadFile(filepath.Join(registry, "model", "model.pt")); string(b) != "weights" {
		t.Errorf("the registry's copy changed with its source: %q", b)
	}
	if status, b := e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "ranker", "version": 1, "artifact_uri": e.run.ArtifactURI}); status != http.StatusConflict {
		t.Errorf("version 1 again from changed files: %d %s", status, b)
	}
	// A copy cut short is completed by registering the version again.
	os.WriteFile(src, []byte("weights"), 0o644)
	os.Remove(filepath.Join(registry, "MANIFEST.json"))
	os.Remove(filepath.Join(registry, "model", "model.pt"))
	if status, b := e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "ranker", "version": 1, "artifact_uri": e.run.ArtifactURI}); status != http.StatusOK {
		t.Errorf("version 1 again: %d %s", status, b)
	}
	if _, err := os.Stat(filepath.Join(registry, "MANIFEST.json")); err != nil {
		t.Errorf("the copy was not completed: %v", err)
	}

	// MLflow's names of a run's artifacts.
	for i, uri := range []string{"runs:/r1/model", "mlflow-artifacts:/runs/r1"} {
		status, b := e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "ranker", "artifact_uri": uri})
		if status != http.StatusCreated {
			t.Errorf("register %s: %d %s", uri, status, b)
			continue
		}
		if _, err := os.Stat(filepath.Join(e.dir, "artifacts", "models", "ranker", strconv.Itoa(i+2), "MANIFEST.json")); err != nil {
			t.Errorf("register %s: %v", uri, err)
		}
	}
	for _, tt := range []struct{ uri, want string }{
		{"file://" + filepath.Join(e.dir, "empty"), "holds no files"},
		{"file://" + filepath.Join(e.dir, "missing"), "cannot read the files at artifact_uri"},
		{"runs:/nope/model", "run nope: not found"},
		{"not a url", "not a blob URL"},
	} {
		os.MkdirAll(filepath.Join(e.dir, "empty"), 0o755)
		if status, b := e.do("POST", "/api/v1/models/register", "writer", map[string]any{"name": "ranker", "artifact_uri": tt.uri}); status != http.StatusBadRequest || !strings.Contains(string(b), tt.want) {
			t.Errorf("register %s: %d %s; want 400 saying %q", tt.uri, status, b, tt.want)
		}
	}
}
