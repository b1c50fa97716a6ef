package mlflow

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/mltf/mltf/server/search"
	"github.com/mltf/mltf/state/tracking"
)

// RunInfo is MLflow's RunInfo.
type RunInfo struct {
	RunID          string `json:"run_id"`
	RunUUID        string `json:"run_uuid"`
	RunName        string `json:"run_name,omitempty"`
	ExperimentID   string `json:"experiment_id"`
	UserID         string `json:"user_id,omitempty"`
	Status         string `json:"status"`
	StartTime      int64  `json:"start_time,omitempty"`
	EndTime        int64  `json:"end_time,omitempty"`
	ArtifactURI    string `json:"artifact_uri,omitempty"`
	LifecycleStage string `json:"lifecycle_stage"`
}

// Metric is MLflow's Metric.
type Metric struct {
	Key       string `json:"key"`
	Value     Float  `json:"value"`
	Timestamp Int64  `json:"timestamp"`
	Step      Int64  `json:"step"`
}

// RunData is MLflow's RunData.
type RunData struct {
	Metrics []Metric   `json:"metrics,omitempty"`
	Params  []KeyValue `json:"params,omitempty"`
	Tags    []KeyValue `json:"tags,omitempty"`
}

// Run is MLflow's Run.
type Run struct {
	Info   RunInfo  `json:"info"`
	Data   RunData  `json:"data"`
	Inputs struct{} `json:"inputs"`
}

var statusNames = map[string]string{
	tracking.StatusRunning: "RUNNING", tracking.StatusScheduled: "SCHEDULED", tracking.StatusFinished: "FINISHED",
	tracking.StatusFailed: "FAILED", tracking.StatusKilled: "KILLED",
}

// statusOf reads an MLflow status.
func statusOf(s string) (string, bool) {
	for k, v := range statusNames {
		if strings.EqualFold(s, v) {
			return k, true
		}
	}
	return "", false
}

func (a *API) runInfoOf(r tracking.Run, tags map[string]string) RunInfo {
	info := RunInfo{RunID: r.ID, RunUUID: r.ID, RunName: search.RunName(r, tags), ExperimentID: r.ExperimentID,
		UserID: tags["mlflow.user"], Status: statusNames[r.Status], ArtifactURI: a.proxiedURI(r.ArtifactURI), LifecycleStage: "active"}
	if !r.Deleted.IsZero() {
		info.LifecycleStage = "deleted"
	}
	if !r.Started.IsZero() {
		info.StartTime = r.Started.UnixMilli()
	}
	if !r.Finished.IsZero() {
		info.EndTime = r.Finished.UnixMilli()
	}
	return info
}

// runOf is r as MLflow shows it, with its latest metric points.
func (a *API) runOf(r tracking.Run, tags map[string]string, latest []tracking.MetricPoint) Run {
	out := Run{Info: a.runInfoOf(r, tags)}
	for _, p := range latest {
		out.Data.Metrics = append(out.Data.Metrics, Metric{Key: p.Name, Value: Float(p.Value), Timestamp: Int64(p.Time.UnixMilli()), Step: Int64(p.Step)})
	}
	if len(r.Params) > 0 {
		var obj map[string]json.RawMessage
		if json.Unmarshal(r.Params, &obj) == nil {
			for _, k := range sortedKeys(obj) {
				out.Data.Params = append(out.Data.Params, KeyValue{Key: k, Value: tracking.ParamString(obj[k])})
			}
		}
	}
	all := map[string]string{}
	for k, v := range tags {
		all[k] = v
	}
	if r.Name != "" {
		all["mlflow.runName"] = r.Name
	}
	out.Data.Tags = keyValues(all)
	return out
}

// runs reads runs with their tags and latest metrics, as MLflow shows
// them.
func (a *API) runs(r *http.Request, rs []tracking.Run, tags map[string]map[string]string) ([]Run, error) {
	ids := make([]string, len(rs))
	for i, run := range rs {
		ids[i] = run.ID
	}
	latest, err := a.opts.Tracking.LatestMetrics(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]Run, len(rs))
	for i, run := range rs {
		out[i] = a.runOf(run, tags[run.ID], latest[run.ID])
	}
	return out, nil
}

func (a *API) createRun(r *http.Request, req *struct {
	ExperimentID string     `json:"experiment_id"`
	UserID       string     `json:"user_id"`
	RunName      string     `json:"run_name"`
	StartTime    Int64      `json:"start_time"`
	Tags         []KeyValue `json:"tags"`
}) (any, error) {
	if req.ExperimentID == "" {
		req.ExperimentID = defaultExperiment
	}
	e, err := a.experiment(r, req.ExperimentID)
	if err != nil {
		return nil, err
	}
	if !e.Deleted.IsZero() {
		return nil, errorf(invalidState, "The experiment %s must be in the 'active' state. Current state is deleted.", e.ID)
	}
	tags := tagMap(req.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	if req.UserID != "" {
		tags["mlflow.user"] = req.UserID
	}
	name := req.RunName
	if name == "" {
		name = tags["mlflow.runName"]
	}
	delete(tags, "mlflow.runName")
	started := time.Now()
	if req.StartTime > 0 {
		started = time.UnixMilli(int64(req.StartTime))
	}
	id := strings.ReplaceAll(tracking.NewID(), "-", "")
	run := tracking.Run{ID: id, ExperimentID: e.ID, Name: name, Status: tracking.StatusRunning, Started: started.UTC()}
	if a.opts.ArtifactsURL != "" {
		run.ArtifactURI = strings.TrimSuffix(a.opts.ArtifactsURL, "/") + "/runs/" + id
	}
	if err := a.opts.Tracking.CreateRunWithTags(r.Context(), run, tags); err != nil {
		return nil, err
	}
	return map[string]any{"run": a.runOf(run, tags, nil)}, nil
}

func (a *API) getRun(r *http.Request, req *runRef) (any, error) {
	run, err := a.run(r, *req)
	if err != nil {
		return nil, err
	}
	tags, err := a.opts.Tracking.RunTags(r.Context(), run.ID)
	if err != nil {
		return nil, err
	}
	out, err := a.runs(r, []tracking.Run{run}, map[string]map[string]string{run.ID: tags})
	if err != nil {
		return nil, err
	}
	return map[string]any{"run": out[0]}, nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (a *API) updateRun(r *http.Request, req *struct {
	runRef
	Status  string `json:"status"`
	EndTime Int64  `json:"end_time"`
	RunName string `json:"run_name"`
}) (any, error) {
	run, err := a.run(r, req.runRef)
	if err != nil {
		return nil, err
	}
	if req.Status != "" {
		st, known := statusOf(req.Status)
		if !known {
			return nil, errorf(invalidParameter, "Invalid value %q for parameter 'status': use RUNNING, SCHEDULED, FINISHED, FAILED or KILLED", req.Status)
		}
		run.Status = st
	}
	if req.EndTime > 0 {
		run.Finished = time.UnixMilli(int64(req.EndTime)).UTC()
	} else if run.Status != tracking.StatusRunning && run.Status != tracking.StatusScheduled && run.Finished.IsZero() {
		run.Finished = time.Now().UTC()
	}
	if req.RunName != "" {
		run.Name = req.RunName
	}
	ctx := r.Context()
	if err := a.opts.Tracking.UpdateRun(ctx, run); err != nil {
		return nil, err
	}
	tags, _ := a.opts.Tracking.RunTags(ctx, run.ID)
	return map[string]any{"run_info": a.runInfoOf(run, tags)}, nil
}

// searchRuns is runs/search: experiment_ids, filter, order_by,
// max_results (default 1000, at most 50000), page_token, run_view_type.
func (a *API) searchRuns(r *http.Request, req *struct {
	ExperimentIDs []string `json:"experiment_ids"`
	Filter        string   `json:"filter"`
	RunViewType   string   `json:"run_view_type"`
	MaxResults    Int64    `json:"max_results"`
	OrderBy       []string `json:"order_by"`
	PageToken     string   `json:"page_token"`
}) (any, error) {
	offset, err := pageToken(req.PageToken)
	if err != nil {
		return nil, errorf(invalidParameter, "%s", err)
	}
	max := int(req.MaxResults)
	if max <= 0 {
		max = 1000
	}
	if max > 50000 {
		return nil, errorf(invalidParameter, "Invalid value %d for parameter 'max_results' supplied. It must be at most 50000.", max)
	}
	view, known := viewTypes[strings.ToUpper(req.RunViewType)]
	if !known {
		return nil, errorf(invalidParameter, "Invalid value %q for parameter 'run_view_type': use ACTIVE_ONLY, DELETED_ONLY or ALL", req.RunViewType)
	}
	res, err := search.Run(r.Context(), a.opts.Tracking, search.Request{
		ExperimentIDs: req.ExperimentIDs, Filter: req.Filter, OrderBy: req.OrderBy, Offset: offset, Max: max, View: view,
	})
	if err != nil {
		if strings.Contains(err.Error(), "cannot ") {
			return nil, err
		}
		return nil, errorf(invalidParameter, "%s", err)
	}
	runs, err := a.runs(r, res.Runs, res.Tags)
	if err != nil {
		return nil, err
	}
	resp := map[string]any{}
	if len(runs) > 0 {
		resp["runs"] = runs
	}
	if res.More {
		resp["next_page_token"] = itoa(offset + max)
	}
	return resp, nil
}

// viewTypes are MLflow's ViewType values.
var viewTypes = map[string]tracking.RunView{"": tracking.LiveRuns, "ACTIVE_ONLY": tracking.LiveRuns, "DELETED_ONLY": tracking.DeletedRuns, "ALL": tracking.AllRuns}

// deleteRun is runs/delete: the run leaves searches and takes no more
// logging, and keeps its history until runs/restore.
func (a *API) deleteRun(r *http.Request, req *runRef) (any, error) {
	return a.setRunLifecycle(r, *req, a.opts.Tracking.DeleteRun)
}

// restoreRun is runs/restore.
func (a *API) restoreRun(r *http.Request, req *runRef) (any, error) {
	return a.setRunLifecycle(r, *req, a.opts.Tracking.RestoreRun)
}

func (a *API) setRunLifecycle(r *http.Request, ref runRef, set func(context.Context, string) error) (any, error) {
	id, err := ref.id()
	if err != nil {
		return nil, err
	}
	return empty, runErr(id, set(r.Context(), id))
}

// keyed is a request naming a run and a key.
type keyed struct {
	runRef
	Key string `json:"key"`
}

// check requires the key.
func (k keyed) check() error {
	if k.Key == "" {
		return errorf(invalidParameter, "Missing value for required parameter 'key'.")
	}
	return nil
}

func (a *API) logMetric(r *http.Request, req *struct {
	keyed
	Value     Float `json:"value"`
	Timestamp Int64 `json:"timestamp"`
	Step      Int64 `json:"step"`
}) (any, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	return a.log(r, req.runRef, tracking.Batch{Metrics: []tracking.MetricPoint{point(req.Key, req.Value, req.Timestamp, req.Step)}})
}

func point(key string, v Float, ts, step Int64) tracking.MetricPoint {
	p := tracking.MetricPoint{Name: key, Value: float64(v), Step: int64(step)}
	if ts > 0 {
		p.Time = time.UnixMilli(int64(ts))
	}
	if math.IsInf(p.Value, 0) {
		p.Value = math.Copysign(math.MaxFloat64, p.Value)
	}
	return p
}

func (a *API) logParam(r *http.Request, req *struct {
	keyed
	Value string `json:"value"`
}) (any, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	return a.log(r, req.runRef, tracking.Batch{Params: map[string]string{req.Key: req.Value}})
}

func (a *API) logBatch(r *http.Request, req *struct {
	runRef
	Metrics []Metric   `json:"metrics"`
	Params  []KeyValue `json:"params"`
	Tags    []KeyValue `json:"tags"`
}) (any, error) {
	if len(req.Metrics) > 1000 || len(req.Params) > 100 || len(req.Tags) > 100 {
		return nil, errorf(invalidParameter, "A batch logging request can contain at most 1000 metrics, 100 params and 100 tags")
	}
	b := tracking.Batch{Params: tagMap(req.Params), Tags: tagMap(req.Tags)}
	for _, m := range req.Metrics {
		if m.Key == "" {
			return nil, errorf(invalidParameter, "A metric of the batch has no key")
		}
		b.Metrics = append(b.Metrics, point(m.Key, m.Value, m.Timestamp, m.Step))
	}
	return a.log(r, req.runRef, b)
}

func (a *API) setTag(r *http.Request, req *struct {
	keyed
	Value string `json:"value"`
}) (any, error) {
	if req.Key != "mlflow.runName" {
		return a.log(r, req.runRef, tracking.Batch{Tags: map[string]string{req.Key: req.Value}})
	}
	run, err := a.run(r, req.runRef)
	if err != nil {
		return nil, err
	}
	run.Name = req.Value
	return empty, a.opts.Tracking.UpdateRun(r.Context(), run)
}

func (a *API) deleteTag(r *http.Request, req *keyed) (any, error) {
	id, err := req.id()
	if err != nil {
		return nil, err
	}
	return empty, a.opts.Tracking.DeleteRunTag(r.Context(), id, req.Key)
}

// log writes a batch to a live run.
func (a *API) log(r *http.Request, ref runRef, b tracking.Batch) (any, error) {
	id, err := ref.id()
	if err != nil {
		return nil, err
	}
	return empty, runErr(id, a.opts.Tracking.LogBatch(r.Context(), id, b))
}

func (a *API) metricHistory(r *http.Request, req *struct {
	runRef
	MetricKey string `json:"metric_key"`
}) (any, error) {
	run, err := a.run(r, req.runRef)
	if err != nil {
		return nil, err
	}
	pts, err := a.opts.Tracking.MetricHistory(r.Context(), run.ID, req.MetricKey)
	if err != nil {
		return nil, err
	}
	out := make([]Metric, 0, len(pts))
	for _, p := range pts {
		out = append(out, Metric{Key: req.MetricKey, Value: Float(p.Value), Timestamp: Int64(p.Time.UnixMilli()), Step: Int64(p.Step)})
	}
	resp := map[string]any{}
	if len(out) > 0 {
		resp["metrics"] = out
	}
	return resp, nil
}
