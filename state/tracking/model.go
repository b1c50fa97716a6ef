package tracking

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrExists is wrapped by errors about a model version whose number is
// taken: another process registered it first. Take the next number.
var ErrExists = errors.New("already exists")

// ModelVersion is one registered version of a model. Its files never
// change once registered.
type ModelVersion struct {
	Model   string
	Version int64 // 1, 2, ...
	RunID   string
	// ArtifactURI is the version's registry location, a blob URL prefix:
	// <artifacts url>/models/MODEL/VERSION.
	ArtifactURI string
	// ContentHash is the SHA-256 of the version's manifest (see
	// Lineage.Files): the same files give the same hash.
	ContentHash string
	Lineage     Lineage
	Metrics     map[string]float64 // the run's final metrics
	Created     time.Time
}

// Lineage is where a model version comes from, back to the data.
type Lineage struct {
	RunID        string                `json:"run_id"`
	Address      string                `json:"address,omitempty"` // of the training: "training.mlp"
	Workspace    string                `json:"workspace,omitempty"`
	ExperimentID string                `json:"experiment_id,omitempty"`
	Fingerprint  string                `json:"fingerprint,omitempty"`
	GitCommit    string                `json:"git_commit,omitempty"`
	GitDirty     bool                  `json:"git_dirty,omitempty"`
	Params       json.RawMessage       `json:"params,omitempty"`
	Datasets     map[string]DatasetRef `json:"datasets,omitempty"`
	// SourceURI is the run's artifact URI the files were copied from.
	SourceURI string `json:"source_uri,omitempty"`
	Files     []File `json:"files,omitempty"`
}

// DatasetRef is one entry of a training's data.
type DatasetRef struct {
	Location    string `json:"location"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Version     int64  `json:"version,omitempty"` // of a dataset resource
}

// File is one file of a model version, by path under its location.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

const modelVersionColumns = `model, version, run_id, artifact_uri, content_hash, lineage, metrics, created_ms`

// CreateModelVersion records v. Version must be set (LatestModelVersion
// + 1); when another process took that number first, the error wraps
// ErrExists and the caller tries the next one. The run must be in the
// store.
func (s *Store) CreateModelVersion(ctx context.Context, v ModelVersion) (ModelVersion, error) {
	if v.Model == "" || v.Version < 1 {
		return ModelVersion{}, fmt.Errorf("a model version needs a model name and a version number from 1 (got %q, %d)", v.Model, v.Version)
	}
	if v.Created.IsZero() {
		v.Created = now()
	}
	v.Created = truncate(v.Created)
	lineage, err := json.Marshal(v.Lineage)
	if err != nil {
		return ModelVersion{}, fmt.Errorf("model %s version %d: cannot encode the lineage: %w", v.Model, v.Version, err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM model_versions WHERE model = ? AND version = ?`), v.Model, v.Version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("model %s version %d: %w", v.Model, v.Version, ErrExists)
		}
		var run sql.NullString
		if v.RunID != "" {
			if _, err := s.getRun(ctx, tx, v.RunID); err != nil {
				return fmt.Errorf("cannot register model %s version %d: %w", v.Model, v.Version, err)
			}
			run = sql.NullString{String: v.RunID, Valid: true}
		}
		_, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO model_versions (`+modelVersionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			v.Model, v.Version, run, v.ArtifactURI, v.ContentHash, string(lineage), encodeFloats(v.Metrics), v.Created.UnixMilli())
		if err != nil {
			return fmt.Errorf("cannot register model %s version %d: %w", v.Model, v.Version, err)
		}
		return nil
	})
	if err != nil {
		return ModelVersion{}, err
	}
	if len(v.Metrics) == 0 {
		v.Metrics = nil
	}
	return v, nil
}

// GetModelVersion returns version of model.
func (s *Store) GetModelVersion(ctx context.Context, model string, version int64) (ModelVersion, error) {
	v, err := scanModelVersion(s.db.QueryRowContext(ctx, s.dialect.q(`SELECT `+modelVersionColumns+` FROM model_versions WHERE model = ? AND version = ?`), model, version))
	if errors.Is(err, ErrNotFound) {
		return ModelVersion{}, fmt.Errorf("model %s version %d: %w", model, version, ErrNotFound)
	}
	return v, err
}

// LatestModelVersion returns the newest version of model; ErrNotFound
// when it has none.
func (s *Store) LatestModelVersion(ctx context.Context, model string) (ModelVersion, error) {
	v, err := scanModelVersion(s.db.QueryRowContext(ctx, s.dialect.q(`SELECT `+modelVersionColumns+` FROM model_versions WHERE model = ? ORDER BY version DESC LIMIT 1`), model))
	if errors.Is(err, ErrNotFound) {
		return ModelVersion{}, fmt.Errorf("model %s has no versions: %w", model, ErrNotFound)
	}
	return v, err
}

// ModelVersionByRun returns the newest version of model registered from
// the run; ErrNotFound when there is none.
func (s *Store) ModelVersionByRun(ctx context.Context, model, runID string) (ModelVersion, error) {
	v, err := scanModelVersion(s.db.QueryRowContext(ctx, s.dialect.q(`SELECT `+modelVersionColumns+` FROM model_versions WHERE model = ? AND run_id = ? ORDER BY version DESC LIMIT 1`), model, runID))
	if errors.Is(err, ErrNotFound) {
		return ModelVersion{}, fmt.Errorf("model %s has no version from run %s: %w", model, runID, ErrNotFound)
	}
	return v, err
}

// ListModelVersions returns the versions of model, oldest first.
func (s *Store) ListModelVersions(ctx context.Context, model string) ([]ModelVersion, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT `+modelVersionColumns+` FROM model_versions WHERE model = ? ORDER BY version`), model)
	if err != nil {
		return nil, fmt.Errorf("cannot list the versions of model %s: %w", model, err)
	}
	return scanRows(rows, scanModelVersion)
}

func scanModelVersion(row scanner) (ModelVersion, error) {
	var (
		v                ModelVersion
		run              sql.NullString
		lineage, metrics string
		created          sql.NullInt64
	)
	err := row.Scan(&v.Model, &v.Version, &run, &v.ArtifactURI, &v.ContentHash, &lineage, &metrics, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ModelVersion{}, ErrNotFound
	}
	if err != nil {
		return ModelVersion{}, fmt.Errorf("cannot read a model version: %w", err)
	}
	what := fmt.Sprintf("model %s version %d", v.Model, v.Version)
	v.RunID = run.String
	if err := json.Unmarshal([]byte(lineage), &v.Lineage); err != nil {
		return ModelVersion{}, fmt.Errorf("%s: the stored lineage is not valid JSON: %w", what, err)
	}
	if v.Metrics, err = decodeFloats(metrics, what+" metrics"); err != nil {
		return ModelVersion{}, err
	}
	v.Created = timeOf(created)
	return v, nil
}

// ModelSummary is one model of the registry.
type ModelSummary struct {
	Name     string
	Versions int64
	Latest   int64
	Updated  time.Time // when the latest version was registered
	Aliases  map[string]int64
}

// ListModels returns every model with versions, by name.
func (s *Store) ListModels(ctx context.Context) ([]ModelSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT model, COUNT(*), MAX(version), MAX(created_ms) FROM model_versions GROUP BY model ORDER BY model`)
	if err != nil {
		return nil, fmt.Errorf("cannot list models: %w", err)
	}
	var out []ModelSummary
	for rows.Next() {
		var m ModelSummary
		var updated sql.NullInt64
		if err := rows.Scan(&m.Name, &m.Versions, &m.Latest, &updated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot list models: %w", err)
		}
		m.Updated = timeOf(updated)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		a, err := s.Aliases(ctx, out[i].Name)
		if err != nil {
			return nil, err
		}
		out[i].Aliases = a
	}
	return out, nil
}
