package mlflow

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/server/search"
	"github.com/mltf/mltf/state/tracking"
)

// ModelVersion is MLflow's ModelVersion.
type ModelVersion struct {
	Name                 string     `json:"name"`
	Version              string     `json:"version"`
	CreationTimestamp    int64      `json:"creation_timestamp"`
	LastUpdatedTimestamp int64      `json:"last_updated_timestamp"`
	CurrentStage         string     `json:"current_stage"`
	Description          string     `json:"description,omitempty"`
	Source               string     `json:"source"`
	RunID                string     `json:"run_id,omitempty"`
	Status               string     `json:"status"`
	Tags                 []KeyValue `json:"tags,omitempty"`
	Aliases              []string   `json:"aliases,omitempty"`
}

// Alias is MLflow's RegisteredModelAlias.
type Alias struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

// RegisteredModel is MLflow's RegisteredModel.
type RegisteredModel struct {
	Name                 string         `json:"name"`
	CreationTimestamp    int64          `json:"creation_timestamp"`
	LastUpdatedTimestamp int64          `json:"last_updated_timestamp"`
	Description          string         `json:"description,omitempty"`
	LatestVersions       []ModelVersion `json:"latest_versions,omitempty"`
	Tags                 []KeyValue     `json:"tags,omitempty"`
	Aliases              []Alias        `json:"aliases,omitempty"`
}

// versionOf is v as MLflow shows it; its source is where its files came
// from, as MLflow clients reach it (mlflow-artifacts:/runs/RUN_ID/model
// for a run's files in the server's artifact store).
func (a *API) versionOf(v tracking.ModelVersion, aliases map[string]int64) ModelVersion {
	out := ModelVersion{Name: v.Model, Version: strconv.FormatInt(v.Version, 10), CreationTimestamp: v.Created.UnixMilli(),
		LastUpdatedTimestamp: v.Created.UnixMilli(), CurrentStage: "None", Source: a.proxiedURI(firstOf(v.Lineage.SourceURI, v.ArtifactURI)),
		RunID: v.RunID, Status: "READY"}
	for _, a := range sortedKeys(aliases) {
		if aliases[a] == v.Version {
			out.Aliases = append(out.Aliases, a)
		}
	}
	return out
}

// registeredModel reads a model with its latest version and aliases.
func (a *API) registeredModel(r *http.Request, name string) (RegisteredModel, error) {
	ctx := r.Context()
	m, err := a.opts.Tracking.GetRegisteredModel(ctx, name)
	if err != nil {
		return RegisteredModel{}, err
	}
	aliases, err := a.opts.Tracking.Aliases(ctx, name)
	if err != nil {
		return RegisteredModel{}, err
	}
	out := RegisteredModel{Name: m.Name, CreationTimestamp: m.Created.UnixMilli(), LastUpdatedTimestamp: m.Updated.UnixMilli(),
		Description: m.Description, Tags: keyValues(m.Tags)}
	if v, err := a.opts.Tracking.LatestModelVersion(ctx, name); err == nil {
		out.LatestVersions = []ModelVersion{a.versionOf(v, aliases)}
	} else if !errors.Is(err, tracking.ErrNotFound) {
		return RegisteredModel{}, err
	}
	for _, al := range sortedKeys(aliases) {
		out.Aliases = append(out.Aliases, Alias{Alias: al, Version: strconv.FormatInt(aliases[al], 10)})
	}
	return out, nil
}

// modelErr says a store error about model name as MLflow does.
func modelErr(name string, err error) error {
	if errors.Is(err, tracking.ErrNotFound) {
		return errorf(notFound, "Registered Model with name=%s not found", name)
	}
	return err
}

// modelRef names a registered model in a request.
type modelRef struct {
	Name string `json:"name"`
}

func (a *API) createRegisteredModel(r *http.Request, req *struct {
	modelRef
	Tags        []KeyValue `json:"tags"`
	Description string     `json:"description"`
}) (any, error) {
	_, err := a.opts.Tracking.CreateRegisteredModel(r.Context(), tracking.RegisteredModel{Name: req.Name, Description: req.Description, Tags: tagMap(req.Tags)})
	if errors.Is(err, tracking.ErrExists) {
		return nil, errorf(alreadyExists, "Registered Model (name=%s) already exists.", req.Name)
	}
	if err != nil {
		return nil, errorf(invalidParameter, "%s", err)
	}
	m, err := a.registeredModel(r, req.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"registered_model": m}, nil
}

func (a *API) getRegisteredModel(r *http.Request, req *modelRef) (any, error) {
	m, err := a.registeredModel(r, req.Name)
	if err != nil {
		return nil, modelErr(req.Name, err)
	}
	return map[string]any{"registered_model": m}, nil
}

// searchRegisteredModels filters on name (name = 'x', name LIKE 'x%').
func (a *API) searchRegisteredModels(r *http.Request, req *struct {
	Filter     string `json:"filter"`
	MaxResults Int64  `json:"max_results"`
	PageToken  string `json:"page_token"`
}) (any, error) {
	f, err := search.Parse(req.Filter)
	if err != nil {
		return nil, errorf(invalidParameter, "%s", err)
	}
	offset, err := pageToken(req.PageToken)
	if err != nil {
		return nil, errorf(invalidParameter, "%s", err)
	}
	names, err := a.opts.Tracking.RegisteredModelNames(r.Context())
	if err != nil {
		return nil, err
	}
	max := int(req.MaxResults)
	if max <= 0 {
		max = 100
	}
	var out []RegisteredModel
	resp := map[string]any{}
	for i, n := range names {
		if !search.MatchExperiment(f, tracking.Experiment{Name: n}) {
			continue
		}
		if i < offset {
			continue
		}
		if len(out) == max {
			resp["next_page_token"] = itoa(i)
			break
		}
		m, err := a.registeredModel(r, n)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if len(out) > 0 {
		resp["registered_models"] = out
	}
	return resp, nil
}

func (a *API) latestVersions(r *http.Request, req *modelRef) (any, error) {
	m, err := a.registeredModel(r, req.Name)
	if err != nil {
		return nil, modelErr(req.Name, err)
	}
	resp := map[string]any{}
	if len(m.LatestVersions) > 0 {
		resp["model_versions"] = m.LatestVersions
	}
	return resp, nil
}

// createModelVersion registers the files at source as the model's next
// version: they are copied into the registry's storage, as mltf apply
// registers a version, so the version keeps its files whatever becomes
// of the source; with run_id, its metrics are the run's.
func (a *API) createModelVersion(r *http.Request, req *struct {
	modelRef
	Source      string     `json:"source"`
	RunID       string     `json:"run_id"`
	Tags        []KeyValue `json:"tags"`
	RunLink     string     `json:"run_link"`
	Description string     `json:"description"`
}) (any, error) {
	ctx := r.Context()
	if _, err := a.opts.Tracking.GetRegisteredModel(ctx, req.Name); err != nil {
		return nil, modelErr(req.Name, err)
	}
	if req.Source == "" {
		return nil, errorf(invalidParameter, "Missing value for required parameter 'source'.")
	}
	reg := Registration{Model: req.Name, Source: req.Source, RunID: req.RunID}
	if req.RunID != "" {
		run, err := a.opts.Tracking.GetRun(ctx, req.RunID)
		if err != nil {
			return nil, errorf(invalidParameter, "run_id: %s", err)
		}
		reg.Metrics = run.Metrics
	}
	v, status, err := a.opts.Register(r, reg)
	if err != nil {
		code := invalidParameter
		switch {
		case status >= 500:
			code = internalError
		case status == http.StatusConflict:
			code = alreadyExists
		}
		return nil, &apiError{code: code, msg: err.Error(), status: status}
	}
	return map[string]any{"model_version": a.versionOf(v, nil)}, nil
}

// getDownloadURI is model-versions/get-download-uri: where a version's
// files are, its copy in the registry's storage (which MLflow clients
// read through the artifact proxy when it is the server's).
func (a *API) getDownloadURI(r *http.Request, req *versionRef) (any, error) {
	v, err := a.modelVersion(r, *req)
	if err != nil {
		return nil, err
	}
	return map[string]string{"artifact_uri": a.proxiedURI(v.ArtifactURI)}, nil
}

// versionNumber reads a version number as MLflow's requests send it.
func versionNumber(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, errorf(invalidParameter, "Model version must be an integer, got %q", s)
	}
	return n, nil
}

func (a *API) getModelVersion(r *http.Request, req *versionRef) (any, error) {
	v, err := a.modelVersion(r, *req)
	if err != nil {
		return nil, err
	}
	aliases, _ := a.opts.Tracking.Aliases(r.Context(), req.Name)
	return map[string]any{"model_version": a.versionOf(v, aliases)}, nil
}

// versionRef names a version of a model in a request.
type versionRef struct {
	modelRef
	Version string `json:"version"`
}

// modelVersion reads the version ref names.
func (a *API) modelVersion(r *http.Request, ref versionRef) (tracking.ModelVersion, error) {
	n, err := versionNumber(ref.Version)
	if err != nil {
		return tracking.ModelVersion{}, err
	}
	v, err := a.opts.Tracking.GetModelVersion(r.Context(), ref.Name, n)
	if errors.Is(err, tracking.ErrNotFound) {
		return v, errorf(notFound, "Model Version (name=%s, version=%d) not found", ref.Name, n)
	}
	return v, err
}

// searchModelVersions takes filter name = 'x' (and run_id = 'y').
func (a *API) searchModelVersions(r *http.Request, req *struct {
	Filter     string `json:"filter"`
	MaxResults Int64  `json:"max_results"`
}) (any, error) {
	f, err := search.Parse(req.Filter)
	if err != nil {
		return nil, errorf(invalidParameter, "%s", err)
	}
	var name, runID string
	for _, c := range f.Clauses {
		switch {
		case c.Entity == "attributes" && c.Key == "name" && c.Op == "=":
			name = c.Value
		case c.Entity == "attributes" && c.Key == "run_id" && c.Op == "=":
			runID = c.Value
		default:
			return nil, errorf(invalidParameter, "model-versions/search takes name = '...' and run_id = '...'")
		}
	}
	names := []string{name}
	if name == "" {
		if names, err = a.opts.Tracking.RegisteredModelNames(r.Context()); err != nil {
			return nil, err
		}
	}
	var out []ModelVersion
	for _, n := range names {
		vs, err := a.opts.Tracking.ListModelVersions(r.Context(), n)
		if err != nil {
			return nil, err
		}
		aliases, _ := a.opts.Tracking.Aliases(r.Context(), n)
		for i := len(vs) - 1; i >= 0; i-- {
			if runID == "" || vs[i].RunID == runID {
				out = append(out, a.versionOf(vs[i], aliases))
			}
		}
	}
	if max := int(req.MaxResults); max > 0 && len(out) > max {
		out = out[:max]
	}
	resp := map[string]any{}
	if len(out) > 0 {
		resp["model_versions"] = out
	}
	return resp, nil
}

// aliasRef names an alias of a model in a request.
type aliasRef struct {
	modelRef
	Alias string `json:"alias"`
}

// setAlias points an alias at a version through the model's gates.
func (a *API) setAlias(r *http.Request, req *struct {
	aliasRef
	Version string `json:"version"`
}) (any, error) {
	n, err := versionNumber(req.Version)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(req.Alias, "latest") {
		return nil, errorf(invalidParameter, "'latest' alias name (case insensitive) is reserved.")
	}
	if _, status, err := a.opts.Promote(r, req.Name, req.Alias, n); err != nil {
		code := invalidParameter
		switch status {
		case http.StatusNotFound:
			code = notFound
		case http.StatusConflict:
			code = invalidState
		}
		return nil, &apiError{code: code, msg: err.Error(), status: status}
	}
	return empty, nil
}

// alias reads a model's aliases and the version ref's alias points to.
func (a *API) alias(r *http.Request, ref aliasRef) (aliases map[string]int64, version int64, err error) {
	aliases, err = a.opts.Tracking.Aliases(r.Context(), ref.Name)
	if err != nil {
		return nil, 0, err
	}
	version, found := aliases[ref.Alias]
	if !found {
		return nil, 0, errorf(notFound, "Registered model alias %s not found.", ref.Alias)
	}
	return aliases, version, nil
}

func (a *API) deleteAlias(r *http.Request, req *aliasRef) (any, error) {
	_, cur, err := a.alias(r, *req)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	_, err = a.opts.Tracking.MoveAlias(ctx, tracking.AliasMove{Model: req.Name, Alias: req.Alias, From: cur, Who: api.CallerOf(ctx).Who(),
		Gates: []byte(`[{"passed":true,"note":"removed through the MLflow API"}]`)})
	return empty, err
}

func (a *API) getByAlias(r *http.Request, req *aliasRef) (any, error) {
	aliases, n, err := a.alias(r, *req)
	if err != nil {
		return nil, err
	}
	v, err := a.opts.Tracking.GetModelVersion(r.Context(), req.Name, n)
	if err != nil {
		return nil, err
	}
	return map[string]any{"model_version": a.versionOf(v, aliases)}, nil
}
