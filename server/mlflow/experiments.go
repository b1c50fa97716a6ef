package mlflow

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/mltf/mltf/server/search"
	"github.com/mltf/mltf/state/tracking"
)

// Experiment is MLflow's Experiment.
type Experiment struct {
	ID               string     `json:"experiment_id"`
	Name             string     `json:"name"`
	ArtifactLocation string     `json:"artifact_location"`
	LifecycleStage   string     `json:"lifecycle_stage"`
	LastUpdateTime   int64      `json:"last_update_time"`
	CreationTime     int64      `json:"creation_time"`
	Tags             []KeyValue `json:"tags,omitempty"`
}

// defaultExperiment is MLflow's experiment "0", where runs go that name
// none.
const defaultExperiment = "0"

func (a *API) experimentOf(e tracking.Experiment) Experiment {
	out := Experiment{ID: e.ID, Name: e.Name, ArtifactLocation: a.runsLocation(), LifecycleStage: "active",
		CreationTime: e.Created.UnixMilli(), LastUpdateTime: e.Created.UnixMilli(), Tags: keyValues(e.Tags)}
	if !e.Deleted.IsZero() {
		out.LifecycleStage, out.LastUpdateTime = "deleted", e.Deleted.UnixMilli()
	}
	if e.Description != "" {
		out.Tags = append(out.Tags, KeyValue{Key: "mlflow.note.content", Value: e.Description})
	}
	return out
}

// runsLocation is where the server puts new runs' artifacts, as MLflow
// clients see it.
func (a *API) runsLocation() string {
	if a.opts.ArtifactsURL == "" {
		return ""
	}
	return a.proxiedURI(strings.TrimSuffix(a.opts.ArtifactsURL, "/") + "/runs")
}

func (a *API) createExperiment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name             string     `json:"name"`
		ArtifactLocation string     `json:"artifact_location"`
		Tags             []KeyValue `json:"tags"`
	}
	if !body(w, r, &req) {
		return
	}
	if req.Name == "" {
		fail(w, invalidParameter, "Missing value for required parameter 'name'.")
		return
	}
	ctx := r.Context()
	if _, err := a.opts.Tracking.GetExperimentByName(ctx, req.Name); err == nil {
		fail(w, alreadyExists, "Experiment '%s' already exists.", req.Name)
		return
	}
	tags := tagMap(req.Tags)
	desc := tags["mlflow.note.content"]
	delete(tags, "mlflow.note.content")
	e, err := a.opts.Tracking.CreateExperiment(ctx, tracking.Experiment{Name: req.Name, Description: desc, Tags: tags})
	if err != nil {
		failStore(w, err)
		return
	}
	ok(w, map[string]string{"experiment_id": e.ID})
}

// experiment reads an experiment; MLflow's experiment 0 is made when
// first asked for.
func (a *API) experiment(r *http.Request, id string) (tracking.Experiment, error) {
	ctx := r.Context()
	e, err := a.opts.Tracking.GetExperiment(ctx, id)
	if id == defaultExperiment && errors.Is(err, tracking.ErrNotFound) {
		if _, err := a.opts.Tracking.CreateExperiment(ctx, tracking.Experiment{ID: defaultExperiment, Name: "Default"}); err != nil && !strings.Contains(err.Error(), "already exists") {
			return tracking.Experiment{}, err
		}
		return a.opts.Tracking.GetExperiment(ctx, id)
	}
	return e, err
}

func (a *API) getExperiment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID string `json:"experiment_id"`
	}
	if !body(w, r, &req) {
		return
	}
	if req.ID == "" {
		fail(w, invalidParameter, "Missing value for required parameter 'experiment_id'.")
		return
	}
	e, err := a.experiment(r, req.ID)
	if err != nil {
		if errors.Is(err, tracking.ErrNotFound) {
			fail(w, notFound, "No Experiment with id=%s exists", req.ID)
			return
		}
		failStore(w, err)
		return
	}
	ok(w, map[string]any{"experiment": a.experimentOf(e)})
}

func (a *API) getExperimentByName(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"experiment_name"`
	}
	if !body(w, r, &req) {
		return
	}
	e, err := a.opts.Tracking.GetExperimentByName(r.Context(), req.Name)
	if errors.Is(err, tracking.ErrNotFound) && req.Name == "Default" {
		e, err = a.experiment(r, defaultExperiment)
	}
	if err != nil {
		if errors.Is(err, tracking.ErrNotFound) {
			fail(w, notFound, "Could not find experiment with name '%s'", req.Name)
			return
		}
		failStore(w, err)
		return
	}
	ok(w, map[string]any{"experiment": a.experimentOf(e)})
}

// searchExperiments lists experiments: filter on name (name = 'x',
// name LIKE 'x%') and tags, max_results and page_token.
func (a *API) searchExperiments(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MaxResults Int64    `json:"max_results"`
		PageToken  string   `json:"page_token"`
		Filter     string   `json:"filter"`
		OrderBy    []string `json:"order_by"`
		ViewType   string   `json:"view_type"`
	}
	if !body(w, r, &req) {
		return
	}
	f, err := search.Parse(strings.ReplaceAll(req.Filter, "attribute.name", "name"))
	if err != nil {
		fail(w, invalidParameter, "%s", err)
		return
	}
	offset, err := pageToken(req.PageToken)
	if err != nil {
		fail(w, invalidParameter, "%s", err)
		return
	}
	view, known := viewTypes[strings.ToUpper(req.ViewType)]
	if !known {
		fail(w, invalidParameter, "Invalid value %q for parameter 'view_type': use ACTIVE_ONLY, DELETED_ONLY or ALL", req.ViewType)
		return
	}
	var es []tracking.Experiment
	if view != tracking.DeletedRuns {
		if es, err = a.opts.Tracking.ListExperiments(r.Context()); err != nil {
			failStore(w, err)
			return
		}
	}
	if view != tracking.LiveRuns {
		deleted, err := a.opts.Tracking.ListDeletedExperiments(r.Context())
		if err != nil {
			failStore(w, err)
			return
		}
		es = append(es, deleted...)
	}
	out := []Experiment{}
	for _, e := range es {
		if search.MatchExperiment(f, e) {
			out = append(out, a.experimentOf(e))
		}
	}
	if len(req.OrderBy) == 0 || !strings.Contains(strings.ToLower(req.OrderBy[0]), "name") {
		slices.SortStableFunc(out, func(x, y Experiment) int { return int(y.CreationTime - x.CreationTime) })
	}
	max := int(req.MaxResults)
	if max <= 0 {
		max = 1000
	}
	resp := map[string]any{}
	out = out[min(offset, len(out)):]
	if len(out) > max {
		out = out[:max]
		resp["next_page_token"] = itoa(offset + max)
	}
	resp["experiments"] = out
	ok(w, resp)
}

func (a *API) updateExperiment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID      string `json:"experiment_id"`
		NewName string `json:"new_name"`
	}
	if !body(w, r, &req) {
		return
	}
	e, err := a.experiment(r, req.ID)
	if err != nil {
		failStore(w, err)
		return
	}
	if req.NewName != "" {
		e.Name = req.NewName
	}
	if err := a.opts.Tracking.UpdateExperiment(r.Context(), e); err != nil {
		failStore(w, err)
		return
	}
	ok(w, struct{}{})
}

// deleteExperiment is experiments/delete: the experiment leaves searches
// and takes no new runs; its runs stay as they are.
func (a *API) deleteExperiment(w http.ResponseWriter, r *http.Request) {
	a.setExperimentLifecycle(w, r, a.opts.Tracking.DeleteExperiment)
}

// restoreExperiment is experiments/restore.
func (a *API) restoreExperiment(w http.ResponseWriter, r *http.Request) {
	a.setExperimentLifecycle(w, r, a.opts.Tracking.RestoreExperiment)
}

func (a *API) setExperimentLifecycle(w http.ResponseWriter, r *http.Request, set func(context.Context, string) error) {
	var req struct {
		ID string `json:"experiment_id"`
	}
	if !body(w, r, &req) {
		return
	}
	if req.ID == "" {
		fail(w, invalidParameter, "Missing value for required parameter 'experiment_id'.")
		return
	}
	if err := set(r.Context(), req.ID); err != nil {
		if errors.Is(err, tracking.ErrNotFound) {
			fail(w, notFound, "No Experiment with id=%s exists", req.ID)
			return
		}
		failStore(w, err)
		return
	}
	ok(w, struct{}{})
}

func (a *API) setExperimentTag(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID    string `json:"experiment_id"`
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	if !body(w, r, &req) {
		return
	}
	e, err := a.experiment(r, req.ID)
	if err != nil {
		failStore(w, err)
		return
	}
	if req.Key == "mlflow.note.content" {
		e.Description = req.Value
	} else {
		if e.Tags == nil {
			e.Tags = map[string]string{}
		}
		e.Tags[req.Key] = req.Value
	}
	if err := a.opts.Tracking.UpdateExperiment(r.Context(), e); err != nil {
		failStore(w, err)
		return
	}
	ok(w, struct{}{})
}
