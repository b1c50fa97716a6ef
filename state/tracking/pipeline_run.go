package tracking

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Pipeline run statuses.
const (
	PipelineRunning   = "running"
	PipelineSucceeded = "succeeded"
	PipelineFailed    = "failed"
	// PipelineInterrupted is a run its server interrupted when it stopped:
	// what finished is in the state, and the state lock was released.
	PipelineInterrupted = "interrupted"
)

// PipelineRun is one apply of a pipeline asked of mltf server.
type PipelineRun struct {
	ID         string
	PipelineID string // the pipeline block's name
	Workspace  string
	Config     map[string]any // the variable values it was applied with
	Status     string         // one of the Pipeline constants
	Error      string
	Who        string
	Output     []string // what the apply printed, line by line
	Started    time.Time
	Finished   time.Time // zero while it runs
	// Updated is when the applying server last wrote the record.
	Updated time.Time
}

// PipelineRunFilter selects pipeline runs, newest first.
type PipelineRunFilter struct {
	PipelineID string // "": every pipeline
	Limit      int    // 0: no limit
	Output     bool   // read each run's output too
}

const pipelineRunColumns = `id, pipeline_id, workspace, config, status, error, who, output, started_ms, finished_ms, updated_ms`

func (r PipelineRun) args() ([]any, error) {
	if r.ID == "" || r.PipelineID == "" {
		return nil, errors.New("a pipeline run needs an ID and a pipeline")
	}
	switch r.Status {
	case PipelineRunning, PipelineSucceeded, PipelineFailed, PipelineInterrupted:
	default:
		return nil, fmt.Errorf("pipeline run %s has status %q; the status is running, succeeded, failed or interrupted", r.ID, r.Status)
	}
	config, output := []byte("{}"), []byte("[]")
	var err error
	if len(r.Config) > 0 {
		if config, err = json.Marshal(r.Config); err != nil {
			return nil, fmt.Errorf("the config of pipeline run %s: %w", r.ID, err)
		}
	}
	if len(r.Output) > 0 {
		output, _ = json.Marshal(r.Output)
	}
	updated := r.Updated
	if updated.IsZero() {
		updated = now()
	}
	return []any{r.ID, r.PipelineID, r.Workspace, string(config), r.Status, r.Error, r.Who, string(output),
		r.Started.UnixMilli(), msOrNull(r.Finished), updated.UnixMilli()}, nil
}

// CreatePipelineRun records the new pipeline run r.
func (s *Store) CreatePipelineRun(ctx context.Context, r PipelineRun) error {
	args, err := r.args()
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		// Checked first: a failed statement ends a PostgreSQL transaction.
		if _, err := s.getPipelineRun(ctx, tx, r.ID); err == nil {
			return fmt.Errorf("pipeline run %s: %w", r.ID, ErrExists)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO pipeline_runs (`+pipelineRunColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...); err != nil {
			return fmt.Errorf("cannot record pipeline run %s: %w", r.ID, err)
		}
		return nil
	})
}

// UpdatePipelineRun records what changed of the pipeline run r.ID: its
// status, error, output and end.
func (s *Store) UpdatePipelineRun(ctx context.Context, r PipelineRun) error {
	args, err := r.args()
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.dialect.q(`UPDATE pipeline_runs SET status = ?, error = ?, output = ?, finished_ms = ?, updated_ms = ? WHERE id = ?`),
		args[4], args[5], args[7], args[9], args[10], r.ID)
	if err != nil {
		return fmt.Errorf("cannot record pipeline run %s: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("pipeline run %s: %w", r.ID, ErrNotFound)
	}
	return nil
}

// GetPipelineRun returns the pipeline run id, with its output.
func (s *Store) GetPipelineRun(ctx context.Context, id string) (PipelineRun, error) {
	return s.getPipelineRun(ctx, s.db, id)
}

func (s *Store) getPipelineRun(ctx context.Context, q querier, id string) (PipelineRun, error) {
	r, err := scanPipelineRun(q.QueryRowContext(ctx, s.dialect.q(`SELECT `+pipelineRunColumns+` FROM pipeline_runs WHERE id = ?`), id))
	if errors.Is(err, ErrNotFound) {
		return PipelineRun{}, fmt.Errorf("pipeline run %s: %w", id, ErrNotFound)
	}
	return r, err
}

// ListPipelineRuns returns the pipeline runs f selects, newest first,
// without their output unless f.Output.
func (s *Store) ListPipelineRuns(ctx context.Context, f PipelineRunFilter) ([]PipelineRun, error) {
	cols := `id, pipeline_id, workspace, config, status, error, who, '[]', started_ms, finished_ms, updated_ms`
	if f.Output {
		cols = pipelineRunColumns
	}
	query := `SELECT ` + cols + ` FROM pipeline_runs`
	var args []any
	if f.PipelineID != "" {
		query += ` WHERE pipeline_id = ?`
		args = append(args, f.PipelineID)
	}
	query += ` ORDER BY started_ms DESC, id`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("cannot list pipeline runs: %w", err)
	}
	return scanRows(rows, scanPipelineRun)
}

func scanPipelineRun(row scanner) (PipelineRun, error) {
	var (
		r                PipelineRun
		config, output   string
		started, updated int64
		finished         sql.NullInt64
	)
	err := row.Scan(&r.ID, &r.PipelineID, &r.Workspace, &config, &r.Status, &r.Error, &r.Who, &output, &started, &finished, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return PipelineRun{}, ErrNotFound
	}
	if err != nil {
		return PipelineRun{}, fmt.Errorf("cannot read a pipeline run: %w", err)
	}
	if config != "{}" {
		if err := json.Unmarshal([]byte(config), &r.Config); err != nil {
			return PipelineRun{}, fmt.Errorf("the config of pipeline run %s is not a JSON object: %w", r.ID, err)
		}
	}
	if output == "[]" {
		output = "null"
	}
	if err := json.Unmarshal([]byte(output), &r.Output); err != nil {
		return PipelineRun{}, fmt.Errorf("the output of pipeline run %s is not a JSON array: %w", r.ID, err)
	}
	r.Started, r.Finished, r.Updated = time.UnixMilli(started).UTC(), timeOf(finished), time.UnixMilli(updated).UTC()
	return r, nil
}
