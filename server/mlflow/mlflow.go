package mlflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/mltf/mltf/providers/registry"
	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state/tracking"
)

// Options are what the API serves.
type Options struct {
	Tracking *tracking.Store
	// ArtifactsURL is where new runs' artifacts go: ARTIFACTS/runs/RUN_ID.
	ArtifactsURL string
	// Promote moves an alias of a model to a version through its gates,
	// as the caller of r; a refusal is an error with status 409.
	Promote func(r *http.Request, model, alias string, version int64) (registry.PromotionResult, int, error)
	// Register records the next version of a model from the files at a
	// source, copied into the registry's storage as mltf apply registers
	// a version; a failure comes with its HTTP status.
	Register func(r *http.Request, reg Registration) (tracking.ModelVersion, int, error)
}

// Registration is a version that model-versions/create registers.
type Registration struct {
	Model string
	// Source is where the version's files are: a blob URL, runs:/RUN_ID/PATH
	// or mlflow-artifacts:/PATH.
	Source string
	RunID  string
	// Metrics are the run's final metrics, which gates compare.
	Metrics map[string]float64
}

// API is the MLflow REST API.
type API struct {
	opts Options
}

// New returns the API over opts.
func New(opts Options) *API { return &API{opts: opts} }

// Route is one endpoint: a ServeMux pattern, the role it needs and its
// handler.
type Route struct {
	Pattern string
	Role    api.Role
	Handler http.Handler
}

// Prefix is where the API lives.
const Prefix = "/api/2.0/mlflow/"

// Routes returns the endpoints.
func (a *API) Routes() []Route {
	var out []Route
	add := func(methods, path string, role api.Role, h http.HandlerFunc) {
		for _, m := range strings.Fields(methods) {
			out = append(out, Route{Pattern: m + " " + Prefix + path, Role: role, Handler: h})
		}
	}
	add("POST", "experiments/create", api.Writer, handler(a.createExperiment))
	add("GET", "experiments/get", api.Reader, handler(a.getExperiment))
	add("GET", "experiments/get-by-name", api.Reader, handler(a.getExperimentByName))
	add("GET POST", "experiments/search", api.Reader, handler(a.searchExperiments))
	add("GET", "experiments/list", api.Reader, handler(a.searchExperiments))
	add("POST", "experiments/update", api.Writer, handler(a.updateExperiment))
	add("POST", "experiments/delete", api.Writer, handler(a.deleteExperiment))
	add("POST", "experiments/restore", api.Writer, handler(a.restoreExperiment))
	add("POST", "experiments/set-experiment-tag", api.Writer, handler(a.setExperimentTag))

	add("POST", "runs/create", api.Writer, handler(a.createRun))
	add("GET", "runs/get", api.Reader, handler(a.getRun))
	add("POST", "runs/update", api.Writer, handler(a.updateRun))
	add("POST", "runs/delete", api.Writer, handler(a.deleteRun))
	add("POST", "runs/restore", api.Writer, handler(a.restoreRun))
	add("POST", "runs/search", api.Reader, handler(a.searchRuns))
	add("POST", "runs/log-metric", api.Writer, handler(a.logMetric))
	add("POST", "runs/log-parameter", api.Writer, handler(a.logParam))
	add("POST", "runs/log-batch", api.Writer, handler(a.logBatch))
	add("POST", "runs/set-tag", api.Writer, handler(a.setTag))
	add("POST", "runs/delete-tag", api.Writer, handler(a.deleteTag))
	add("GET", "metrics/get-history", api.Reader, handler(a.metricHistory))
	add("GET", "artifacts/list", api.Reader, handler(a.listRunArtifacts))

	add("POST", "registered-models/create", api.Writer, handler(a.createRegisteredModel))
	add("GET", "registered-models/get", api.Reader, handler(a.getRegisteredModel))
	add("GET POST", "registered-models/search", api.Reader, handler(a.searchRegisteredModels))
	add("POST", "registered-models/get-latest-versions", api.Reader, handler(a.latestVersions))
	add("POST", "registered-models/alias", api.Admin, handler(a.setAlias))
	add("DELETE", "registered-models/alias", api.Admin, handler(a.deleteAlias))
	add("GET", "registered-models/alias", api.Reader, handler(a.getByAlias))
	add("POST", "model-versions/create", api.Writer, handler(a.createModelVersion))
	add("GET", "model-versions/get", api.Reader, handler(a.getModelVersion))
	add("GET", "model-versions/get-download-uri", api.Reader, handler(a.getDownloadURI))
	add("GET POST", "model-versions/search", api.Reader, handler(a.searchModelVersions))

	proxied := func(method, path string, role api.Role, h http.HandlerFunc) {
		out = append(out, Route{Pattern: method + " " + ArtifactsPrefix + path, Role: role, Handler: h})
	}
	proxied("GET", "artifacts", api.Reader, handler(a.listProxied))
	proxied("GET", "artifacts/{path...}", api.Reader, a.downloadProxied)
	proxied("PUT", "artifacts/{path...}", api.Writer, a.uploadProxied)
	proxied("DELETE", "artifacts/{path...}", api.Writer, handler(a.deleteProxied))
	proxied("POST", "mpu/create/{path...}", api.Writer, handler(a.createUpload))
	proxied("POST", "mpu/complete/{path...}", api.Writer, handler(a.completeUpload))
	proxied("POST", "mpu/abort/{path...}", api.Writer, handler(a.abortUpload))
	// A part's URL carries its own secret, as an object store's presigned
	// URL does: MLflow clients PUT parts without their token.
	proxied("PUT", "mpu/parts/{id}/{part}", api.Public, a.uploadPart)
	return out
}

// MLflow's error codes and the status each answers with.
const (
	invalidParameter = "INVALID_PARAMETER_VALUE"
	notFound         = "RESOURCE_DOES_NOT_EXIST"
	alreadyExists    = "RESOURCE_ALREADY_EXISTS"
	internalError    = "INTERNAL_ERROR"
	invalidState     = "INVALID_STATE"
	permissionDenied = "PERMISSION_DENIED"
)

func fail(w http.ResponseWriter, code, format string, args ...any) {
	status := http.StatusBadRequest
	switch code {
	case notFound:
		status = http.StatusNotFound
	case internalError:
		status = http.StatusInternalServerError
	case permissionDenied:
		status = http.StatusForbidden
	}
	api.WriteError(w, status, code, fmt.Sprintf(format, args...))
}

// failStore answers with what a store error means.
func failStore(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, tracking.ErrNotFound):
		fail(w, notFound, "%s", err)
	case errors.Is(err, tracking.ErrExists):
		fail(w, alreadyExists, "%s", err)
	case errors.Is(err, tracking.ErrParamChanged), errors.Is(err, tracking.ErrRunDeleted):
		fail(w, invalidParameter, "%s", err)
	default:
		fail(w, internalError, "%s", err)
	}
}

func ok(w http.ResponseWriter, v any) { api.WriteJSON(w, http.StatusOK, v) }

// apiError is an error answered with its MLflow error code (and the
// status fail gives that code, unless status is set).
type apiError struct {
	code, msg string
	status    int
}

func (e *apiError) Error() string { return e.msg }

// errorf is an error answered with code.
func errorf(code, format string, args ...any) error {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// failErr answers with err: an apiError with its code, any other error
// as a store error.
func failErr(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) && ae.status != 0 {
		api.WriteError(w, ae.status, ae.code, ae.msg)
		return
	}
	if ae != nil {
		fail(w, ae.code, "%s", ae.msg)
		return
	}
	failStore(w, err)
}

// handler makes an endpoint of f, which takes its request decoded (see
// body) and returns its answer or an error (see failErr).
func handler[Req any](f func(r *http.Request, req *Req) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req Req
		if !body(w, r, &req) {
			return
		}
		v, err := f(r, &req)
		if err != nil {
			failErr(w, err)
			return
		}
		ok(w, v)
	}
}

// empty is the answer of an endpoint that answers nothing: {}.
var empty = struct{}{}

// runRef names a run in a request: run_id, or run_uuid as MLflow 1.x
// clients send it.
type runRef struct {
	RunID   string `json:"run_id"`
	RunUUID string `json:"run_uuid"`
}

// id is the run's ID; a request that names none is an error.
func (r runRef) id() (string, error) {
	if id := firstOf(r.RunID, r.RunUUID); id != "" {
		return id, nil
	}
	return "", errorf(invalidParameter, "Missing value for required parameter 'run_id'.")
}

// run reads the run ref names.
func (a *API) run(r *http.Request, ref runRef) (tracking.Run, error) {
	id, err := ref.id()
	if err != nil {
		return tracking.Run{}, err
	}
	run, err := a.opts.Tracking.GetRun(r.Context(), id)
	return run, runErr(id, err)
}

// runErr says a store error about run id as MLflow does.
func runErr(id string, err error) error {
	if errors.Is(err, tracking.ErrNotFound) {
		return errorf(notFound, "Run with id=%s not found", id)
	}
	return err
}

// body reads a request: the JSON body of a POST, or the query of a GET
// (repeated keys as lists).
func body(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodDelete && r.ContentLength <= 0 {
		m := map[string]any{}
		for k, vs := range r.URL.Query() {
			if len(vs) == 1 && !strings.HasSuffix(k, "_ids") && k != "order_by" {
				m[k] = vs[0]
			} else {
				m[k] = vs
			}
		}
		b, _ := json.Marshal(m)
		if err := json.Unmarshal(b, v); err != nil {
			fail(w, invalidParameter, "the query parameters are not what this endpoint takes: %s", err)
			return false
		}
		return true
	}
	if r.ContentLength == 0 {
		return true
	}
	return api.DecodeBody(w, r, v, true)
}

// Int64 is an int64 that MLflow clients send as a number or a string
// (protobuf's JSON form of int64).
type Int64 int64

func (n *Int64) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("%s is not an integer", b)
		}
		v = int64(f)
	}
	*n = Int64(v)
	return nil
}

// Float is a float64 that also reads "NaN", "Infinity" and "-Infinity",
// and numbers sent as strings, and writes those as strings.
type Float float64

func (f *Float) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	*f = Float(v)
	return nil
}

func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(v)
}

// KeyValue is a param or a tag.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func keyValues(m map[string]string) []KeyValue {
	out := make([]KeyValue, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, KeyValue{Key: k, Value: m[k]})
	}
	return out
}

func tagMap(kvs []KeyValue) map[string]string {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// pageToken reads a page token: the offset of the page.
func pageToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(tok)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("page_token %q is not one this server gave", tok)
	}
	return n, nil
}
