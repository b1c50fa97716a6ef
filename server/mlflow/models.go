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

func versionOf(v tracking.ModelVersion, aliases map[string]int64) ModelVersion {
	out := ModelVersion{Name: v.Model, Version: strconv.FormatInt(v.Version, 10), CreationTimestamp: v.Created.UnixMilli(),
		LastUpdatedTimestamp: v.Created.UnixMilli(), CurrentStage: "None", Source: firstOf(v.Lineage.SourceURI, v.ArtifactURI),
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
		out.LatestVersions = []ModelVersion{versionOf(v, aliases)}
	} else if !errors.Is(err, tracking.ErrNotFound) {
		return RegisteredModel{}, err
	}
	for _, al := range sortedKeys(aliases) {
		out.Aliases = append(out.Aliases, Alias{Alias: al, Version: strconv.FormatInt(aliases[al], 10)})
	}
	return out, nil
}

func modelNotFound(w http.ResponseWriter, name string, err error) {
	if errors.Is(err, tracking.ErrNotFound) {
		fail(w, notFound, "Registered Model with name=%s not found", name)
		return
	}
	failStore(w, err)
}

func (a *API) createRegisteredModel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name        string     `json:"name"`
		Tags        []KeyValue `json:"tags"`
		Description string     `json:"description"`
	}
	if !body(w, r, &req) {
		return
	}
	_, err := a.opts.Tracking.CreateRegisteredModel(r.Context(), tracking.RegisteredModel{Name: req.Name, Description: req.Description, Tags: tagMap(req.Tags)})
	if errors.Is(err, tracking.ErrExists) {
		fail(w, alreadyExists, "Registered Model (name=%s) already exists.", req.Name)
		return
	}
	if err != nil {
		fail(w, invalidParameter, "%s", err)
		return
	}
	m, err := a.registeredModel(r, req.Name)
	if err != nil {
		failStore(w, err)
		return
	}
	ok(w, map[string]any{"registered_model": m})
}

func (a *API) getRegisteredModel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if !body(w, r, &req) {
		return
	}
	m, err := a.registeredModel(r, req.Name)
	if err != nil {
		modelNotFound(w, req.Name, err)
		return
	}
	ok(w, map[string]any{"registered_model": m})
}

// searchRegisteredModels filters on name (name = 'x', name LIKE 'x%').
func (a *API) searchRegisteredModels(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Filter     string `json:"filter"`
		MaxResults Int64  `json:"max_results"`
		PageToken  string `json:"page_token"`
	}
	if !body(w, r, &req) {
		return
	}
	f, err := search.Parse(req.Filter)
	if err != nil {
		fail(w, invalidParameter, "%s", err)
		return
	}
	offset, err := pageToken(req.PageToken)
	if err != nil {
		fail(w, invalidParameter, "%s", err)
		return
	}
	names, err := a.opts.Tracking.RegisteredModelNames(r.Context())
	if err != nil {
		failStore(w, err)
		return
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
			failStore(w, err)
			return
		}
		out = append(out, m)
	}
	if len(out) > 0 {
		resp["registered_models"] = out
	}
	ok(w, resp)
}

func (a *API) latestVersions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if !body(w, r, &req) {
		return
	}
	m, err := a.registeredModel(r, req.Name)
	if err != nil {
		modelNotFound(w, req.Name, err)
		return
	}
	resp := map[string]any{}
	if len(m.LatestVersions) > 0 {
		resp["model_versions"] = m.LatestVersions
	}
	ok(w, resp)
}

// createModelVersion registers the files at source as the model's next
// version.
func (a *API) createModelVersion(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name        string     `json:"name"`
		Source      string     `json:"source"`
		RunID       string     `json:"run_id"`
		Tags        []KeyValue `json:"tags"`
		RunLink     string     `json:"run_link"`
		Description string     `json:"description"`
	}
	if !body(w, r, &req) {
		return
	}
	ctx := r.Context()
	if _, err := a.opts.Tracking.GetRegisteredModel(ctx, req.Name); err != nil {
		modelNotFound(w, req.Name, err)
		return
	}
	if req.Source == "" {
		fail(w, invalidParameter, "Missing value for required parameter 'source'.")
		return
	}
	var metrics map[string]float64
	if req.RunID != "" {
		run, err := a.opts.Tracking.GetRun(ctx, req.RunID)
		if err != nil {
			fail(w, invalidParameter, "run_id: %s", err)
			return
		}
		metrics = run.Metrics
	}
	for attempt := 0; attempt < 20; attempt++ {
		next := int64(1)
		if latest, err := a.opts.Tracking.LatestModelVersion(ctx, req.Name); err == nil {
			next = latest.Version + 1
		}
		v, err := a.opts.Tracking.CreateModelVersion(ctx, tracking.ModelVersion{Model: req.Name, Version: next, RunID: req.RunID,
			ArtifactURI: req.Source, Metrics: metrics, Lineage: tracking.Lineage{RunID: req.RunID, SourceURI: req.Source}})
		if errors.Is(err, tracking.ErrExists) {
			continue
		}
		if err != nil {
			failStore(w, err)
			return
		}
		ok(w, map[string]any{"model_version": versionOf(v, nil)})
		return
	}
	fail(w, internalError, "model %s: could not take a version number; too many registrations at once", req.Name)
}

func (a *API) getModelVersion(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if !body(w, r, &req) {
		return
	}
	n, err := strconv.ParseInt(req.Version, 10, 64)
	if err != nil {
		fail(w, invalidParameter, "Model version must be an integer, got %q", req.Version)
		return
	}
	v, err := a.opts.Tracking.GetModelVersion(r.Context(), req.Name, n)
	if err != nil {
		if errors.Is(err, tracking.ErrNotFound) {
			fail(w, notFound, "Model Version (name=%s, version=%d) not found", req.Name, n)
			return
		}
		failStore(w, err)
		return
	}
	aliases, _ := a.opts.Tracking.Aliases(r.Context(), req.Name)
	ok(w, map[string]any{"model_version": versionOf(v, aliases)})
}

// searchModelVersions takes filter name = 'x' (and run_id = 'y').
func (a *API) searchModelVersions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Filter     string `json:"filter"`
		MaxResults Int64  `json:"max_results"`
	}
	if !body(w, r, &req) {
		return
	}
	f, err := search.Parse(req.Filter)
	if err != nil {
		fail(w, invalidParameter, "%s", err)
		return
	}
	var name, runID string
	for _, c := range f.Clauses {
		switch {
		case c.Entity == "attributes" && c.Key == "name" && c.Op == "=":
			name = c.Value
		case c.Entity == "attributes" && c.Key == "run_id" && c.Op == "=":
			runID = c.Value
		default:
			fail(w, invalidParameter, "model-versions/search takes name = '...' and run_id = '...'")
			return
		}
	}
	names := []string{name}
	if name == "" {
		if names, err = a.opts.Tracking.RegisteredModelNames(r.Context()); err != nil {
			failStore(w, err)
			return
		}
	}
	var out []ModelVersion
	for _, n := range names {
		vs, err := a.opts.Tracking.ListModelVersions(r.Context(), n)
		if err != nil {
			failStore(w, err)
			return
		}
		aliases, _ := a.opts.Tracking.Aliases(r.Context(), n)
		for i := len(vs) - 1; i >= 0; i-- {
			if runID == "" || vs[i].RunID == runID {
				out = append(out, versionOf(vs[i], aliases))
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
	ok(w, resp)
}

// setAlias points an alias at a version through the model's gates.
func (a *API) setAlias(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name    string `json:"name"`
		Alias   string `json:"alias"`
		Version string `json:"version"`
	}
	if !body(w, r, &req) {
		return
	}
	n, err := strconv.ParseInt(req.Version, 10, 64)
	if err != nil || n < 1 {
		fail(w, invalidParameter, "Model version must be an integer, got %q", req.Version)
		return
	}
	if strings.EqualFold(req.Alias, "latest") {
		fail(w, invalidParameter, "'latest' alias name (case insensitive) is reserved.")
		return
	}
	if _, status, err := a.opts.Promote(r, req.Name, req.Alias, n); err != nil {
		code := invalidParameter
		switch status {
		case http.StatusNotFound:
			code = notFound
		case http.StatusConflict:
			code = invalidState
		}
		api.WriteError(w, status, code, err.Error())
		return
	}
	ok(w, struct{}{})
}

// alias reads a model's aliases and the version alias points to; when the
// store fails or the alias is unknown it answers the request and returns
// found false.
func (a *API) alias(w http.ResponseWriter, r *http.Request, model, alias string) (aliases map[string]int64, version int64, found bool) {
	aliases, err := a.opts.Tracking.Aliases(r.Context(), model)
	if err != nil {
		failStore(w, err)
		return nil, 0, false
	}
	version, found = aliases[alias]
	if !found {
		fail(w, notFound, "Registered model alias %s not found.", alias)
	}
	return aliases, version, found
}

func (a *API) deleteAlias(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name  string `json:"name"`
		Alias string `json:"alias"`
	}
	if !body(w, r, &req) {
		return
	}
	ctx := r.Context()
	_, cur, found := a.alias(w, r, req.Name, req.Alias)
	if !found {
		return
	}
	if _, err := a.opts.Tracking.MoveAlias(ctx, tracking.AliasMove{Model: req.Name, Alias: req.Alias, From: cur, Who: api.CallerOf(ctx).Who(),
		Gates: []byte(`[{"passed":true,"note":"removed through the MLflow API"}]`)}); err != nil {
		failStore(w, err)
		return
	}
	ok(w, struct{}{})
}

func (a *API) getByAlias(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name  string `json:"name"`
		Alias string `json:"alias"`
	}
	if !body(w, r, &req) {
		return
	}
	ctx := r.Context()
	aliases, n, found := a.alias(w, r, req.Name, req.Alias)
	if !found {
		return
	}
	v, err := a.opts.Tracking.GetModelVersion(ctx, req.Name, n)
	if err != nil {
		failStore(w, err)
		return
	}
	ok(w, map[string]any{"model_version": versionOf(v, aliases)})
}
