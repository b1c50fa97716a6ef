package server

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/server/search"
	"github.com/mltf/mltf/state/tracking"
)

// v1Route is one endpoint of /api/v1.
type v1Route struct {
	pattern string
	need    api.Role
	h       http.HandlerFunc
}

// v1 is the table of /api/v1, each route with the role it needs.
func (s *Server) v1() []v1Route {
	return []v1Route{
		{"GET /api/v1/experiments", api.Reader, s.listExperiments},
		{"GET /api/v1/experiments/{experiment_id}", api.Reader, s.getExperiment},
		{"GET /api/v1/experiments/{experiment_id}/runs", api.Reader, s.listRuns},
		{"GET /api/v1/experiments/{experiment_id}/runs/{run_id}", api.Reader, s.getRun},
		{"GET /api/v1/runs", api.Reader, s.listRuns},
		{"GET /api/v1/runs/{run_id}", api.Reader, s.getRun},
		{"GET /api/v1/runs/{run_id}/metrics", api.Reader, s.runMetrics},
		{"GET /api/v1/runs/{run_id}/metrics/{name}", api.Reader, s.runMetric},
		{"GET /api/v1/runs/{run_id}/artifacts", api.Reader, s.listArtifacts},
		{"GET /api/v1/runs/{run_id}/artifacts/{path...}", api.Reader, s.getArtifact},
		{"GET /api/v1/runs/{run_id}/logs", api.Reader, s.runLogs},
		{"GET /api/v1/models", api.Reader, s.listModels},
		{"GET /api/v1/models/{name}", api.Reader, s.getModel},
		{"POST /api/v1/models/register", api.Writer, s.registerModel},
		{"PUT /api/v1/models/{name}/versions/{version}/stage", api.Admin, s.setStage},
		{"GET /api/v1/datasets", api.Reader, s.listDatasets},
		{"GET /api/v1/datasets/{name}", api.Reader, s.getDataset},
		{"GET /api/v1/sweeps", api.Reader, s.listSweeps},
		{"GET /api/v1/sweeps/{name}", api.Reader, s.getSweep},
		{"GET /api/v1/pipelines", api.Reader, s.listPipelines},
		{"POST /api/v1/pipelines/runs", api.Writer, s.startPipeline},
		{"GET /api/v1/pipelines/runs", api.Reader, s.listPipelineRuns},
		{"GET /api/v1/pipelines/runs/{id}", api.Reader, s.getPipelineRun},
		{"GET /api/v1/whoami", api.Reader, s.whoami},
	}
}

// routesV1 registers /api/v1.
func (s *Server) routesV1() {
	for _, r := range s.v1() {
		s.route(r.pattern, r.need, r.h)
	}
}

// V1Routes lists the patterns of /api/v1 ("GET /api/v1/runs/{run_id}"),
// for the test that keeps openapi.json complete.
func V1Routes() []string {
	var out []string
	for _, r := range (&Server{}).v1() {
		out = append(out, r.pattern)
	}
	return out
}

// Experiment is an experiment as /api/v1 shows it.
type Experiment struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Created     time.Time         `json:"created"`
	Deleted     *time.Time        `json:"deleted,omitempty"`
}

func experimentOf(e tracking.Experiment) Experiment {
	out := Experiment{ID: e.ID, Name: e.Name, Description: e.Description, Tags: e.Tags, Created: e.Created}
	if !e.Deleted.IsZero() {
		out.Deleted = &e.Deleted
	}
	return out
}

func (s *Server) listExperiments(w http.ResponseWriter, r *http.Request) {
	es, err := s.opts.Tracking.ListExperiments(r.Context())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	out := make([]Experiment, 0, len(es))
	for _, e := range es {
		out = append(out, experimentOf(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"experiments": out})
}

func (s *Server) getExperiment(w http.ResponseWriter, r *http.Request) {
	e, err := s.opts.Tracking.GetExperiment(r.Context(), r.PathValue("experiment_id"))
	if err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, experimentOf(e))
}

// Run is a run as /api/v1 shows it. Metrics are the final values; a NaN
// or infinite value is the string "NaN", "Infinity" or "-Infinity".
type Run struct {
	ID           string            `json:"id"`
	ExperimentID string            `json:"experiment_id"`
	Name         string            `json:"name,omitempty"`
	Status       string            `json:"status"`
	Address      string            `json:"address,omitempty"`
	Workspace    string            `json:"workspace,omitempty"`
	Fingerprint  string            `json:"fingerprint,omitempty"`
	GitCommit    string            `json:"git_commit,omitempty"`
	GitDirty     bool              `json:"git_dirty,omitempty"`
	Params       map[string]any    `json:"params"`
	Metrics      map[string]any    `json:"metrics"`
	Tags         map[string]string `json:"tags"`
	ArtifactURI  string            `json:"artifact_uri,omitempty"`
	Restarts     map[string]int    `json:"restarts,omitempty"`
	Started      *time.Time        `json:"started,omitempty"`
	Finished     *time.Time        `json:"finished,omitempty"`
}

func runOf(r tracking.Run, tags map[string]string) Run {
	out := Run{
		ID: r.ID, ExperimentID: r.ExperimentID, Name: search.RunName(r, tags), Status: r.Status, Address: r.Address,
		Workspace: r.Workspace, Fingerprint: r.Fingerprint, GitCommit: r.GitCommit, GitDirty: r.GitDirty,
		Params: map[string]any{}, Metrics: map[string]any{}, Tags: tags, ArtifactURI: r.ArtifactURI, Restarts: r.Restarts,
	}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	if len(r.Params) > 0 {
		params, _ := decodeObject(r.Params)
		for k, v := range params {
			out.Params[k] = v
		}
	}
	for k, v := range r.Metrics {
		out.Metrics[k] = Number(v)
	}
	if !r.Started.IsZero() {
		out.Started = &r.Started
	}
	if !r.Finished.IsZero() {
		out.Finished = &r.Finished
	}
	return out
}

// Number is a float as JSON holds it: NaN and the infinities as strings.
func Number(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}

// listRuns searches runs: filter (MLflow's syntax: metrics.accuracy >=
// 0.9 and params.lr = '0.1'), order_by (repeatable: metrics.accuracy
// DESC), max_results (default 100, at most 5000) and page_token.
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := search.Request{Filter: q.Get("filter"), OrderBy: q["order_by"], Max: 100}
	if id := r.PathValue("experiment_id"); id != "" {
		if _, err := s.opts.Tracking.GetExperiment(r.Context(), id); err != nil {
			writeStoreError(w, err)
			return
		}
		req.ExperimentIDs = []string{id}
	} else if ids := q["experiment_id"]; len(ids) > 0 {
		req.ExperimentIDs = ids
	}
	if m := q.Get("max_results"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 5000 {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "max_results is a number from 1 to 5000")
			return
		}
		req.Max = n
	}
	if p := q.Get("page_token"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "page_token is the next_page_token of the previous page")
			return
		}
		req.Offset = n
	}
	res, err := search.Run(r.Context(), s.opts.Tracking, req)
	if err != nil {
		if isStoreError(err) {
			writeStoreError(w, err)
		} else {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", err.Error())
		}
		return
	}
	out := make([]Run, 0, len(res.Runs))
	for _, run := range res.Runs {
		out = append(out, runOf(run, res.Tags[run.ID]))
	}
	body := map[string]any{"runs": out}
	if res.More {
		body["next_page_token"] = strconv.Itoa(req.Offset + req.Max)
	}
	writeJSON(w, http.StatusOK, body)
}

// isStoreError tells a database's failure from a request's mistake.
func isStoreError(err error) bool {
	return strings.Contains(err.Error(), "cannot ")
}

// RunDetail is one run with the names of its metric series.
type RunDetail struct {
	Run
	MetricNames []string   `json:"metric_names"`
	Experiment  Experiment `json:"experiment"`
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, ok := s.findRun(w, r)
	if !ok {
		return
	}
	tags, err := s.opts.Tracking.RunTags(ctx, run.ID)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	names, err := s.opts.Tracking.MetricNames(ctx, run.ID)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	e, err := s.opts.Tracking.GetExperiment(ctx, run.ExperimentID)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if names == nil {
		names = []string{}
	}
	writeJSON(w, http.StatusOK, RunDetail{Run: runOf(run, tags), MetricNames: names, Experiment: experimentOf(e)})
}

// findRun reads the run of the path, answering 404 when it is not there
// or not in the path's experiment.
func (s *Server) findRun(w http.ResponseWriter, r *http.Request) (tracking.Run, bool) {
	run, err := s.opts.Tracking.GetRun(r.Context(), r.PathValue("run_id"))
	if err != nil {
		writeStoreError(w, err)
		return tracking.Run{}, false
	}
	if e := r.PathValue("experiment_id"); e != "" && e != run.ExperimentID {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "run "+run.ID+" is not in experiment "+e+" but in "+run.ExperimentID)
		return tracking.Run{}, false
	}
	return run, true
}

// Point is one metric value.
type Point struct {
	Step  int64     `json:"step"`
	Value any       `json:"value"`
	Time  time.Time `json:"time"`
}

func pointsOf(pts []tracking.MetricPoint, after int64) []Point {
	out := make([]Point, 0, len(pts))
	for _, p := range pts {
		if p.Step > after {
			out = append(out, Point{Step: p.Step, Value: Number(p.Value), Time: p.Time})
		}
	}
	return out
}

// afterStep reads after_step: only points past it are sent (a page
// following a live run asks for what is new).
func afterStep(r *http.Request) (int64, error) {
	a := r.URL.Query().Get("after_step")
	if a == "" {
		return math.MinInt64, nil
	}
	n, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return 0, errors.New("after_step is a step number")
	}
	return n, nil
}

// runMetrics returns every metric series of a run, with its status, so
// that a page can follow a running training.
func (s *Server) runMetrics(w http.ResponseWriter, r *http.Request) {
	run, ok := s.findRun(w, r)
	if !ok {
		return
	}
	after, err := afterStep(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", err.Error())
		return
	}
	names, err := s.opts.Tracking.MetricNames(r.Context(), run.ID)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	series := map[string][]Point{}
	for _, n := range names {
		pts, err := s.opts.Tracking.MetricHistory(r.Context(), run.ID, n)
		if err != nil {
			writeStoreError(w, err)
			return
		}
		series[n] = pointsOf(pts, after)
	}
	writeJSON(w, http.StatusOK, map[string]any{"run_id": run.ID, "status": run.Status, "metrics": series})
}

func (s *Server) runMetric(w http.ResponseWriter, r *http.Request) {
	run, ok := s.findRun(w, r)
	if !ok {
		return
	}
	after, err := afterStep(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", err.Error())
		return
	}
	pts, err := s.opts.Tracking.MetricHistory(r.Context(), run.ID, r.PathValue("name"))
	if err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"run_id": run.ID, "name": r.PathValue("name"), "status": run.Status, "points": pointsOf(pts, after)})
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	c := api.CallerOf(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"token_id": c.Token.ID, "name": c.Token.Name, "role": c.Role.String()})
}
