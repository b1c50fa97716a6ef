package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mltf/mltf/providers/artifactstore"
	"github.com/mltf/mltf/providers/registry"
	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state/tracking"
)

// ModelVersion is a version as /api/v1 shows it.
type ModelVersion struct {
	Name        string           `json:"name"`
	Version     int64            `json:"version"`
	RunID       string           `json:"run_id,omitempty"`
	ArtifactURI string           `json:"artifact_uri"`
	ContentHash string           `json:"content_hash,omitempty"`
	Metrics     map[string]any   `json:"metrics"`
	Created     time.Time        `json:"created"`
	Aliases     []string         `json:"aliases"`
	Lineage     tracking.Lineage `json:"lineage"`
}

func versionOf(v tracking.ModelVersion, aliases map[string]int64) ModelVersion {
	out := ModelVersion{Name: v.Model, Version: v.Version, RunID: v.RunID, ArtifactURI: v.ArtifactURI, ContentHash: v.ContentHash,
		Metrics: map[string]any{}, Created: v.Created, Aliases: []string{}, Lineage: v.Lineage}
	for k, f := range v.Metrics {
		out.Metrics[k] = Number(f)
	}
	for _, a := range sortedKeys(aliases) {
		if aliases[a] == v.Version {
			out.Aliases = append(out.Aliases, a)
		}
	}
	return out
}

// AliasMove is one entry of an alias history.
type AliasMove struct {
	Alias string          `json:"alias"`
	From  int64           `json:"from,omitempty"`
	To    int64           `json:"to,omitempty"`
	When  time.Time       `json:"when"`
	Who   string          `json:"who"`
	Gates json.RawMessage `json:"gates"`
	// Refused says a gate kept the alias where it was.
	Refused bool `json:"refused,omitempty"`
}

func moveOf(m tracking.AliasMove) AliasMove {
	return AliasMove{Alias: m.Alias, From: m.From, To: m.To, When: m.When, Who: m.Who, Gates: m.Gates, Refused: m.From == m.To && m.From != 0}
}

// ModelSummary is one model of the list.
type ModelSummary struct {
	Name     string           `json:"name"`
	Versions int64            `json:"versions"`
	Latest   int64            `json:"latest_version,omitempty"`
	Updated  time.Time        `json:"updated"`
	Aliases  map[string]int64 `json:"aliases"`
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	withVersions, err := s.opts.Tracking.ListModels(ctx)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	byName := map[string]tracking.ModelSummary{}
	for _, m := range withVersions {
		byName[m.Name] = m
	}
	names, err := s.opts.Tracking.RegisteredModelNames(ctx)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	out := []ModelSummary{}
	for _, n := range names {
		m, ok := byName[n]
		if !ok {
			rm, err := s.opts.Tracking.GetRegisteredModel(ctx, n)
			if err != nil {
				writeStoreError(w, err)
				return
			}
			m = tracking.ModelSummary{Name: n, Updated: rm.Updated}
		}
		if m.Aliases == nil {
			m.Aliases = map[string]int64{}
		}
		out = append(out, ModelSummary{Name: m.Name, Versions: m.Versions, Latest: m.Latest, Updated: m.Updated, Aliases: m.Aliases})
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": out})
}

// ModelDetail is a model with its versions, aliases, alias history and,
// when a configuration manages it, its gates as the state records them.
type ModelDetail struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	Aliases     map[string]int64  `json:"aliases"`
	Versions    []ModelVersion    `json:"versions"`
	History     []AliasMove       `json:"history"`
	// Address is the model block managing it in the served workspace.
	Address     string          `json:"address,omitempty"`
	Gates       []Gate          `json:"gates"`
	GateResults json.RawMessage `json:"gate_results,omitempty"`
}

// Gate is a gate block of the model's configuration.
type Gate struct {
	Condition string `json:"condition"`
	Message   string `json:"message,omitempty"`
	Where     string `json:"where,omitempty"`
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("name")
	rm, err := s.opts.Tracking.GetRegisteredModel(ctx, name)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	aliases, err := s.opts.Tracking.Aliases(ctx, name)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	vs, err := s.opts.Tracking.ListModelVersions(ctx, name)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	hist, err := s.opts.Tracking.AliasHistory(ctx, name, "")
	if err != nil {
		writeStoreError(w, err)
		return
	}
	out := ModelDetail{Name: name, Description: rm.Description, Tags: rm.Tags, Created: rm.Created, Updated: rm.Updated,
		Aliases: aliases, Versions: []ModelVersion{}, History: []AliasMove{}, Gates: []Gate{}}
	for i := len(vs) - 1; i >= 0; i-- {
		out.Versions = append(out.Versions, versionOf(vs[i], aliases))
	}
	for i := len(hist) - 1; i >= 0; i-- {
		out.History = append(out.History, moveOf(hist[i]))
	}
	if inst, err := s.modelInstance(ctx, name); err == nil && inst != nil {
		out.Address = inst.Address
		out.Gates = inst.Gates
		out.GateResults = inst.GateResults
	}
	writeJSON(w, http.StatusOK, out)
}

// registerRequest is the body of POST /api/v1/models/register.
type registerRequest struct {
	Name        string             `json:"name"`
	Version     int64              `json:"version,omitempty"`
	ArtifactURI string             `json:"artifact_uri"`
	Metrics     map[string]float64 `json:"metrics,omitempty"`
	Stage       string             `json:"stage,omitempty"`
	RunID       string             `json:"run_id,omitempty"`
}

// registerModel records a version of a model from the files stored at
// artifact_uri, copied into the registry's storage; with stage, it then moves that alias to it through the
// model's gates (which needs the admin role).
func (s *Server) registerModel(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req registerRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Name == "" || req.ArtifactURI == "" {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", `register needs "name" and "artifact_uri"`)
		return
	}
	if req.Stage != "" && api.CallerOf(ctx).Role < api.Admin {
		writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "setting a stage moves an alias, which needs the admin role; register without \"stage\" and ask an admin to set it")
		return
	}
	v, status, err := s.register(r, req)
	if err != nil {
		code := "INVALID_PARAMETER_VALUE"
		if status == http.StatusConflict {
			code = "RESOURCE_ALREADY_EXISTS"
		}
		if status >= 500 {
			code = "INTERNAL_ERROR"
		}
		writeError(w, status, code, err.Error())
		return
	}
	body := map[string]any{"model_version": versionOf(v, nil)}
	if req.Stage != "" {
		res, status, err := s.promote(r, req.Name, req.Stage, v.Version)
		if err != nil {
			writeError(w, status, "INVALID_STATE", fmt.Sprintf("version %d is registered, but stage %s was not set: %s", v.Version, req.Stage, err))
			return
		}
		body["stage"] = stageResult(req.Stage, v.Version, res)
	}
	aliases, _ := s.opts.Tracking.Aliases(ctx, req.Name)
	body["model_version"] = versionOf(v, aliases)
	writeJSON(w, status, body)
}

// register records the version and copies its files into the
// registry's storage, as mltf apply registers a model's version: 200 when
// it was already there with the same files, 201 when new.
func (s *Server) register(r *http.Request, req registerRequest) (tracking.ModelVersion, int, error) {
	ctx := r.Context()
	if _, err := s.opts.Tracking.GetRegisteredModel(ctx, req.Name); errors.Is(err, tracking.ErrNotFound) {
		if _, err := s.opts.Tracking.CreateRegisteredModel(ctx, tracking.RegisteredModel{Name: req.Name}); err != nil && !errors.Is(err, tracking.ErrExists) {
			return tracking.ModelVersion{}, http.StatusBadRequest, err
		}
	}
	if req.RunID != "" {
		if _, err := s.opts.Tracking.GetRun(ctx, req.RunID); err != nil {
			return tracking.ModelVersion{}, http.StatusBadRequest, fmt.Errorf("run_id: %w", err)
		}
	}
	source, err := s.sourceURI(r, req.ArtifactURI)
	if err != nil {
		return tracking.ModelVersion{}, http.StatusBadRequest, err
	}
	storage := registry.Storage{ArtifactsURL: s.opts.ArtifactsURL, WorkDir: s.opts.WorkDir}
	files, err := storage.Hash(ctx, source)
	if err != nil {
		return tracking.ModelVersion{}, http.StatusBadRequest, fmt.Errorf("cannot read the files at artifact_uri: %w", err)
	}
	if len(files) == 0 {
		return tracking.ModelVersion{}, http.StatusBadRequest, fmt.Errorf("artifact_uri %s holds no files: a version is the files of a model", req.ArtifactURI)
	}
	hash := registry.ContentHash(files)
	for attempt := 0; attempt < 20; attempt++ {
		next := int64(1)
		if latest, err := s.opts.Tracking.LatestModelVersion(ctx, req.Name); err == nil {
			next = latest.Version + 1
		} else if !errors.Is(err, tracking.ErrNotFound) {
			return tracking.ModelVersion{}, http.StatusInternalServerError, err
		}
		if req.Version != 0 && req.Version < next {
			have, err := s.opts.Tracking.GetModelVersion(ctx, req.Name, req.Version)
			if err != nil {
				return tracking.ModelVersion{}, http.StatusInternalServerError, err
			}
			if have.ContentHash != hash {
				return tracking.ModelVersion{}, http.StatusConflict, fmt.Errorf("model %s version %d exists with other files (content hash %.12s, these are %.12s); versions never change: register %d", req.Name, req.Version, have.ContentHash, hash, next)
			}
			// The same files: complete a copy an earlier request left
			// unfinished.
			return copied(ctx, storage, have, http.StatusOK)
		}
		if req.Version != 0 && req.Version != next {
			return tracking.ModelVersion{}, http.StatusBadRequest, fmt.Errorf("model %s: the next version is %d, not %d (versions are numbered without gaps; leave version out to take the next)", req.Name, next, req.Version)
		}
		v, err := s.opts.Tracking.CreateModelVersion(ctx, tracking.ModelVersion{
			Model: req.Name, Version: next, RunID: req.RunID, ArtifactURI: storage.VersionURI(req.Name, next), ContentHash: hash,
			Metrics: req.Metrics, Lineage: tracking.Lineage{RunID: req.RunID, SourceURI: source, Files: files},
		})
		if errors.Is(err, tracking.ErrExists) {
			continue // another client took the number
		}
		if err != nil {
			return tracking.ModelVersion{}, http.StatusInternalServerError, err
		}
		return copied(ctx, storage, v, http.StatusCreated)
	}
	return tracking.ModelVersion{}, http.StatusConflict, fmt.Errorf("model %s: could not take a version number; too many registrations at once", req.Name)
}

// copied copies v's files into the registry's storage and answers with
// status, or 500 when the copy failed.
func copied(ctx context.Context, storage registry.Storage, v tracking.ModelVersion, status int) (tracking.ModelVersion, int, error) {
	if err := storage.Copy(ctx, v); err != nil {
		return v, http.StatusInternalServerError, fmt.Errorf("model %s version %d is recorded, but its files were not all copied to %s: %w; register version %d again with the same artifact_uri to complete the copy", v.Model, v.Version, v.ArtifactURI, err, v.Version)
	}
	return v, status, nil
}

// sourceURI reads the artifact_uri of a registration: a blob URL, a run's
// artifacts (runs:/RUN_ID/PATH) or a key of the server's artifact store
// as MLflow clients name it (mlflow-artifacts:/PATH).
func (s *Server) sourceURI(r *http.Request, uri string) (string, error) {
	if rest, ok := strings.CutPrefix(uri, "mlflow-artifacts:/"); ok {
		_, base, err := artifactstore.URL(s.opts.ArtifactsURL, s.opts.WorkDir, false)
		if err != nil {
			return "", err
		}
		return base + "/" + strings.TrimPrefix(rest, "/"), nil
	}
	if rest, ok := strings.CutPrefix(uri, "runs:/"); ok {
		id, sub, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
		run, err := s.opts.Tracking.GetRun(r.Context(), id)
		if err != nil {
			return "", fmt.Errorf("artifact_uri %s: %w", uri, err)
		}
		if run.ArtifactURI == "" {
			return "", fmt.Errorf("artifact_uri %s: run %s has no artifacts", uri, id)
		}
		if sub == "" {
			return run.ArtifactURI, nil
		}
		return strings.TrimSuffix(run.ArtifactURI, "/") + "/" + sub, nil
	}
	return uri, nil
}

// StageResult says where an alias is after a stage or alias request.
type StageResult struct {
	Alias   string    `json:"alias"`
	Version int64     `json:"version"`
	From    int64     `json:"from,omitempty"`
	Moved   bool      `json:"moved"`
	Who     string    `json:"who,omitempty"`
	When    time.Time `json:"when,omitzero"`
	Gates   any       `json:"gates,omitempty"`
}

func stageResult(alias string, version int64, res registry.PromotionResult) StageResult {
	out := StageResult{Alias: alias, Version: version, From: res.Move.From, Moved: res.Move.Seq != 0, Who: res.Move.Who, When: res.Move.When}
	if len(res.Move.Gates) > 0 {
		out.Gates = json.RawMessage(res.Move.Gates)
	}
	return out
}

// promote moves alias to version through the model's gates, as the
// caller. A refusal is an error with status 409.
func (s *Server) promote(r *http.Request, model, alias string, version int64) (registry.PromotionResult, int, error) {
	ctx := r.Context()
	var stateAttrs json.RawMessage
	inst, err := s.modelInstance(ctx, model)
	if err != nil {
		return registry.PromotionResult{}, http.StatusServiceUnavailable, fmt.Errorf("cannot read the state for the model's gates: %w", err)
	}
	if inst != nil {
		stateAttrs = inst.Attributes
	}
	res, err := registry.Promote(ctx, s.opts.Tracking, s.opts.WorkDir, registry.Promotion{
		Model: model, Alias: alias, Version: version, Who: api.CallerOf(ctx).Who(), State: stateAttrs,
	})
	if err != nil {
		if errors.Is(err, tracking.ErrNotFound) {
			return res, http.StatusNotFound, err
		}
		return res, http.StatusBadRequest, err
	}
	if res.Refused != "" {
		return res, http.StatusConflict, fmt.Errorf("the gates of model %s refused version %d for %s (the refusal is in the alias history):\n%s", model, version, alias, res.Refused)
	}
	return res, http.StatusOK, nil
}

// setStage is PUT /api/v1/models/{name}/versions/{version}/stage with
// {"stage": "production"}: the stage is an alias.
func (s *Server) setStage(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Stage string `json:"stage"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	version, err := strconv.ParseInt(r.PathValue("version"), 10, 64)
	if err != nil || version < 1 {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "the version in the path is a number: 1, 2, ...")
		return
	}
	if req.Stage == "" {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", `the body is {"stage": "production"}`)
		return
	}
	res, status, err := s.promote(r, r.PathValue("name"), req.Stage, version)
	if err != nil {
		code := "INVALID_PARAMETER_VALUE"
		switch status {
		case http.StatusConflict:
			code = "GATE_REFUSED"
		case http.StatusNotFound:
			code = "RESOURCE_DOES_NOT_EXIST"
		}
		writeError(w, status, code, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, stageResult(req.Stage, version, res))
}
