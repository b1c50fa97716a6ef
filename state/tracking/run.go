package tracking

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Run statuses.
const (
	StatusScheduled = "scheduled"
	StatusRunning   = "running"
	StatusFinished  = "finished"
	StatusFailed    = "failed"
	StatusKilled    = "killed"
)

var statuses = []string{StatusScheduled, StatusRunning, StatusFinished, StatusFailed, StatusKilled}

// Run is one training run.
type Run struct {
	ID           string
	ExperimentID string
	Name         string
	Status       string // one of the Status constants
	Fingerprint  string
	GitCommit    string
	GitDirty     bool
	Params       json.RawMessage // a JSON object
	Env          map[string]string
	ArtifactURI  string
	Metrics      map[string]float64 // final values
	Restarts     map[string]int     // by cause: "infrastructure", "user_error"
	Started      time.Time
	Finished     time.Time
	Address      string // of the resource that made it: "training.mlp"
	Workspace    string
	// Deleted is when the run was deleted (DeleteRun); zero while it
	// lives. CreateRun and UpdateRun never change it.
	Deleted time.Time
}

// RunView says which runs a RunFilter selects by their lifecycle.
type RunView int

const (
	// LiveRuns are the runs not deleted (the zero RunView).
	LiveRuns RunView = iota
	// DeletedRuns are the deleted runs only.
	DeletedRuns
	// AllRuns are both.
	AllRuns
)

// RunFilter selects and orders runs; the zero value selects all, newest
// first.
type RunFilter struct {
	ExperimentID string
	// Metrics are conditions on final metric values, all of which hold.
	Metrics []MetricCondition
	// OrderBy orders by a metric instead of newest first (ties newest
	// first).
	OrderBy *RunOrder
	Limit   int // 0: no limit
	// Offset skips that many runs first (a page after the first).
	Offset int
	View   RunView
}

// runColumns are the columns CreateRun and UpdateRun write; runSelect
// what a read returns.
const (
	runColumns = `id, experiment_id, name, status, fingerprint, git_commit, git_dirty, params, env, artifact_uri, metrics, restarts, started_ms, finished_ms, address, workspace`
	runSelect  = runColumns + `, deleted_ms`
)

func (r *Run) check() error {
	if r.ID == "" {
		return errors.New("a run needs an ID (tracking.NewID makes one)")
	}
	if r.ExperimentID == "" {
		return fmt.Errorf("run %s has no experiment", r.ID)
	}
	if !slices.Contains(statuses, r.Status) {
		return fmt.Errorf("run %s has status %q; the status is one of %s", r.ID, r.Status, strings.Join(statuses, ", "))
	}
	if len(r.Params) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r.Params, &obj); err != nil {
			return fmt.Errorf("the params of run %s are not a JSON object: %v", r.ID, err)
		}
	}
	return nil
}

func (r *Run) args() []any {
	params := string(r.Params)
	if params == "" {
		params = "{}"
	}
	return []any{r.ID, r.ExperimentID, r.Name, r.Status, r.Fingerprint, r.GitCommit, r.GitDirty, params,
		encodeStrings(r.Env), r.ArtifactURI, encodeFloats(r.Metrics), encodeInts(r.Restarts),
		msOrNull(r.Started), msOrNull(r.Finished), r.Address, r.Workspace}
}

// CreateRun records the new run r (r.ID set, e.g. by NewID) in its
// experiment.
func (s *Store) CreateRun(ctx context.Context, r Run) error {
	return s.CreateRunWithTags(ctx, r, nil)
}

// CreateRunWithTags records the new run r with its tags, at once.
func (s *Store) CreateRunWithTags(ctx context.Context, r Run, tags map[string]string) error {
	if err := r.check(); err != nil {
		return err
	}
	if s.dialect.name == postgresDialect.name {
		return s.createRunPostgres(ctx, r, tags)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkExperiment(ctx, tx, r.ExperimentID); err != nil {
			return fmt.Errorf("cannot create run %s: %w", r.ID, err)
		}
		res, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO runs (`+runColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`), r.args()...)
		if err != nil {
			return fmt.Errorf("cannot create run %s: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("cannot create run %s: a run with that ID exists", r.ID)
		}
		if err := s.insertRunMetrics(ctx, tx, r.ID, r.Metrics); err != nil {
			return err
		}
		return s.setTags(ctx, tx, r.ID, tags)
	})
}

// UpdateRun replaces what is recorded of the run r.ID with r.
func (s *Store) UpdateRun(ctx context.Context, r Run) error {
	if err := r.check(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkExperiment(ctx, tx, r.ExperimentID); err != nil {
			return fmt.Errorf("cannot update run %s: %w", r.ID, err)
		}
		args := append(r.args()[1:], r.ID)
		res, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE runs SET experiment_id = ?, name = ?, status = ?, fingerprint = ?, git_commit = ?, git_dirty = ?,
			params = ?, env = ?, artifact_uri = ?, metrics = ?, restarts = ?, started_ms = ?, finished_ms = ?, address = ?, workspace = ?
			WHERE id = ?`), args...)
		if err != nil {
			return fmt.Errorf("cannot update run %s: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("run %s: %w", r.ID, ErrNotFound)
		}
		return s.setRunMetrics(ctx, tx, r.ID, r.Metrics)
	})
}

// DeleteRun marks run id deleted: searches leave it out (unless they ask
// for deleted runs), nothing more is logged to it, and its history stays
// until RestoreRun. Deleting a deleted run does nothing.
func (s *Store) DeleteRun(ctx context.Context, id string) error {
	return s.setRunDeleted(ctx, id, msOrNull(now()), "delete")
}

// RestoreRun makes the deleted run id live again; restoring a live run
// does nothing.
func (s *Store) RestoreRun(ctx context.Context, id string) error {
	return s.setRunDeleted(ctx, id, sql.NullInt64{}, "restore")
}

func (s *Store) setRunDeleted(ctx context.Context, id string, deleted sql.NullInt64, verb string) error {
	cond := `deleted_ms IS NULL`
	if !deleted.Valid {
		cond = `deleted_ms IS NOT NULL`
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE runs SET deleted_ms = ? WHERE id = ? AND `+cond), deleted, id)
		if err != nil {
			return fmt.Errorf("cannot %s run %s: %w", verb, id, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		_, err = s.getRun(ctx, tx, id)
		return err
	})
}

func (s *Store) checkExperiment(ctx context.Context, tx *sql.Tx, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM experiments WHERE id = ?`), id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("experiment %s does not exist: %w", id, ErrNotFound)
	}
	return nil
}

// GetRun returns the run id.
func (s *Store) GetRun(ctx context.Context, id string) (Run, error) {
	return s.getRun(ctx, s.db, id)
}

func (s *Store) getRun(ctx context.Context, q querier, id string) (Run, error) {
	r, err := scanRun(q.QueryRowContext(ctx, s.dialect.q(`SELECT `+runSelect+` FROM runs WHERE id = ?`), id))
	if errors.Is(err, ErrNotFound) {
		return Run{}, fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	return r, err
}

// ListRuns returns the runs f selects, in its order.
func (s *Store) ListRuns(ctx context.Context, f RunFilter) ([]Run, error) {
	query, args, err := f.query(s.dialect)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list runs: %w", err)
	}
	return scanRows(rows, scanRun)
}

// FindRunByFingerprint returns the newest finished run with the
// fingerprint that is not deleted; ErrNotFound when there is none.
func (s *Store) FindRunByFingerprint(ctx context.Context, fingerprint string) (Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, s.dialect.q(`SELECT `+runSelect+` FROM runs
		WHERE fingerprint = ? AND fingerprint <> '' AND status = ? AND deleted_ms IS NULL
		ORDER BY finished_ms DESC, started_ms DESC LIMIT 1`), fingerprint, StatusFinished))
	if errors.Is(err, ErrNotFound) {
		return Run{}, fmt.Errorf("finished run with fingerprint %q: %w", fingerprint, ErrNotFound)
	}
	return r, err
}

func scanRun(row scanner) (Run, error) {
	var (
		r                              Run
		params, env, metrics, restarts string
		started, finished, deleted     sql.NullInt64
	)
	err := row.Scan(&r.ID, &r.ExperimentID, &r.Name, &r.Status, &r.Fingerprint, &r.GitCommit, &r.GitDirty, &params, &env,
		&r.ArtifactURI, &metrics, &restarts, &started, &finished, &r.Address, &r.Workspace, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, ErrNotFound
	}
	if err != nil {
		return Run{}, fmt.Errorf("cannot read a run: %w", err)
	}
	what := "run " + r.ID
	if r.Env, err = decodeStrings(env, what+" env"); err != nil {
		return Run{}, err
	}
	if r.Metrics, err = decodeFloats(metrics, what+" metrics"); err != nil {
		return Run{}, err
	}
	if r.Restarts, err = decodeInts(restarts, what+" restarts"); err != nil {
		return Run{}, err
	}
	if params != "{}" {
		r.Params = json.RawMessage(params)
	}
	r.Started, r.Finished, r.Deleted = timeOf(started), timeOf(finished), timeOf(deleted)
	return r, nil
}
