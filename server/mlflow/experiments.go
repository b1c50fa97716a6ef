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

func (a *API) createExperiment(r *http.Request, req *struct {
	Name             string     `json:"name"`
	ArtifactLocation string     `json:"artifact_location"`
	Tags             []KeyValue `json:"tags"`
}) (any, error) {
	if req.Name == "" {
		return nil, errorf(invalidParameter, "Missing value for required parameter 'name'.")
	}
	ctx := r.Context()
	if _, err := a.opts.Tracking.GetExperimentByName(ctx, req.Name); err == nil {
		return nil, errorf(alreadyExists, "Experiment '%s' already exists.", req.Name)
	}
	tags := tagMap(req.Tags)
	desc := tags["mlflow.note.content"]
	delete(tags, "mlflow.note.content")
	e, err := a.opts.Tracking.CreateExperiment(ctx, tracking.Experiment{Name: req.Name, Description: desc, Tags: tags})
	if err != nil {
		return nil, err
	}
	return map[string]string{"experiment_id": e.ID}, nil
}

// experiment reads experiment id; MLflow's experiment 0 is made when
// first asked for.
func (a *API) experiment(r *http.Request, id string) (tracking.Experiment, error) {
	if id == "" {
		return tracking.Experiment{}, errorf(invalidParameter, "Missing value for required parameter 'experiment_id'.")
	}
	ctx := r.Context()
	e, err := a.opts.Tracking.GetExperiment(ctx, id)
	if id == defaultExperiment && errors.Is(err, tracking.ErrNotFound) {
		if _, err := a.opts.Tracking.CreateExperiment(ctx, tracking.Experiment{ID: defaultExperiment, Name: "Default"}); err != nil && !strings.Contains(err.Error(), "already exists") {
			return tracking.Experiment{}, err
		}
		e, err = a.opts.Tracking.GetExperiment(ctx, id)
	}
	return e, experimentErr(id, err)
}

// experimentErr says a store error about experiment id as MLflow does.
func experimentErr(id string, err error) error {
	if errors.Is(err, tracking.ErrNotFound) {
		return errorf(notFound, "No Experiment with id=%s exists", id)
	}
	return err
}

// experimentRef names an experiment in a request.
type experimentRef struct {
	ID string `json:"experiment_id"`
}

func (a *API) getExperiment(r *http.Request, req *experimentRef) (any, error) {
	e, err := a.experiment(r, req.ID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"experiment": a.experimentOf(e)}, nil
}

func (a *API) getExperimentByName(r *http.Request, req *struct {
	Name string `json:"experiment_name"`
}) (any, error) {
	e, err := a.opts.Tracking.GetExperimentByName(r.Context(), req.Name)
	if errors.Is(err, tracking.ErrNotFound) && req.Name == "Default" {
		e, err = a.experiment(r, defaultExperiment)
	}
	if errors.Is(err, tracking.ErrNotFound) {
		return nil, errorf(notFound, "Could not find experiment with name '%s'", req.Name)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"experiment": a.experimentOf(e)}, nil
}

// searchExperiments lists experiments: filter on name (name = 'x',
// name LIKE 'x%') and tags, max_results, page_token and view_type.
func (a *API) searchExperiments(r *http.Request, req *struct {
	MaxResults Int64    `json:"max_results"`
	PageToken  string   `json:"page_token"`
	Filter     string   `json:"filter"`
	OrderBy    []string `json:"order_by"`
	ViewType   string   `json:"view_type"`
}) (any, error) {
	f, err := search.Parse(strings.ReplaceAll(req.Filter, "attribute.name", "name"))
	if err != nil {
		return nil, errorf(invalidParameter, "%s", err)
	}
	offset, err := pageToken(req.PageToken)
	if err != nil {
		return nil, errorf(invalidParameter, "%s", err)
	}
	view, known := viewTypes[strings.ToUpper(req.ViewType)]
	if !known {
		return nil, errorf(invalidParameter, "Invalid value %q for parameter 'view_type': use ACTIVE_ONLY, DELETED_ONLY or ALL", req.ViewType)
	}
	var es []tracking.Experiment
	if view != tracking.DeletedRuns {
		if es, err = a.opts.Tracking.ListExperiments(r.Context()); err != nil {
			return nil, err
		}
	}
	if view != tracking.LiveRuns {
		deleted, err := a.opts.Tracking.ListDeletedExperiments(r.Context())
		if err != nil {
			return nil, err
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
	return resp, nil
}

func (a *API) updateExperiment(r *http.Request, req *struct {
	experimentRef
	NewName string `json:"new_name"`
}) (any, error) {
	e, err := a.experiment(r, req.ID)
	if err != nil {
		return nil, err
	}
	if req.NewName != "" {
		e.Name = req.NewName
	}
	return empty, a.opts.Tracking.UpdateExperiment(r.Context(), e)
}

// deleteExperiment is experiments/delete: the experiment leaves searches
// and takes no new runs; its runs are deleted with it, and
// experiments/restore brings them back.
func (a *API) deleteExperiment(r *http.Request, req *experimentRef) (any, error) {
	return a.setExperimentLifecycle(r, *req, a.opts.Tracking.DeleteExperiment)
}

// restoreExperiment is experiments/restore.
func (a *API) restoreExperiment(r *http.Request, req *experimentRef) (any, error) {
	return a.setExperimentLifecycle(r, *req, a.opts.Tracking.RestoreExperiment)
}

func (a *API) setExperimentLifecycle(r *http.Request, ref experimentRef, set func(context.Context, string) error) (any, error) {
	if ref.ID == "" {
		return nil, errorf(invalidParameter, "Missing value for required parameter 'experiment_id'.")
	}
	return empty, experimentErr(ref.ID, set(r.Context(), ref.ID))
}

func (a *API) setExperimentTag(r *http.Request, req *struct {
	experimentRef
	Key   string `json:"key"`
	Value string `json:"value"`
}) (any, error) {
	e, err := a.experiment(r, req.ID)
	if err != nil {
		return nil, err
	}
	if req.Key == "mlflow.note.content" {
		e.Description = req.Value
	} else {
		if e.Tags == nil {
			e.Tags = map[string]string{}
		}
		e.Tags[req.Key] = req.Value
	}
	return empty, a.opts.Tracking.UpdateExperiment(r.Context(), e)
}
