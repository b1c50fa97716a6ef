package tracking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Experiment is a named group of runs.
type Experiment struct {
	ID          string
	Name        string
	Description string
	Tags        map[string]string
	Created     time.Time
	// Deleted is when the experiment was deleted; zero while it lives.
	// Its runs stay as history.
	Deleted time.Time
}

// NewID returns a new identifier for an experiment or a run.
func NewID() string { return uuid.NewString() }

const experimentColumns = `id, name, description, tags, created_ms, deleted_ms`

// CreateExperiment creates e, with a new ID when e.ID is empty and the
// current time when e.Created is zero. When a live experiment named e.Name
// exists it is adopted instead: its description and tags become e's, and
// it is returned.
func (s *Store) CreateExperiment(ctx context.Context, e Experiment) (Experiment, error) {
	if e.Name == "" {
		return Experiment{}, errors.New("an experiment needs a name")
	}
	var out Experiment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		existing, err := s.scanExperiment(tx.QueryRowContext(ctx,
			s.dialect.q(`SELECT `+experimentColumns+` FROM experiments WHERE name = ? AND deleted_ms IS NULL`), e.Name))
		switch {
		case err == nil:
			existing.Description, existing.Tags = e.Description, e.Tags
			if len(existing.Tags) == 0 {
				existing.Tags = nil
			}
			if err := s.updateExperiment(ctx, tx, existing); err != nil {
				return err
			}
			out = existing
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if e.ID == "" {
			e.ID = NewID()
		}
		if e.Created.IsZero() {
			e.Created = now()
		}
		e.Created, e.Deleted = truncate(e.Created), time.Time{}
		// Checked first: a failed statement ends a PostgreSQL transaction.
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM experiments WHERE id = ?`), e.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("cannot create experiment %q: an experiment with ID %s already exists", e.Name, e.ID)
		}
		_, err = tx.ExecContext(ctx, s.dialect.q(`INSERT INTO experiments (`+experimentColumns+`) VALUES (?, ?, ?, ?, ?, NULL)`),
			e.ID, e.Name, e.Description, encodeStrings(e.Tags), e.Created.UnixMilli())
		if err != nil {
			return fmt.Errorf("cannot create experiment %q: %w", e.Name, err)
		}
		out = e
		if len(out.Tags) == 0 {
			out.Tags = nil
		}
		return nil
	})
	return out, err
}

// GetExperiment returns the experiment id, deleted or not.
func (s *Store) GetExperiment(ctx context.Context, id string) (Experiment, error) {
	e, err := s.scanExperiment(s.db.QueryRowContext(ctx, s.dialect.q(`SELECT `+experimentColumns+` FROM experiments WHERE id = ?`), id))
	if errors.Is(err, ErrNotFound) {
		return Experiment{}, fmt.Errorf("experiment %s: %w", id, ErrNotFound)
	}
	return e, err
}

// GetExperimentByName returns the live experiment named name.
func (s *Store) GetExperimentByName(ctx context.Context, name string) (Experiment, error) {
	e, err := s.scanExperiment(s.db.QueryRowContext(ctx,
		s.dialect.q(`SELECT `+experimentColumns+` FROM experiments WHERE name = ? AND deleted_ms IS NULL`), name))
	if errors.Is(err, ErrNotFound) {
		return Experiment{}, fmt.Errorf("experiment %q: %w", name, ErrNotFound)
	}
	return e, err
}

// UpdateExperiment sets the name, description and tags of the experiment
// e.ID.
func (s *Store) UpdateExperiment(ctx context.Context, e Experiment) error {
	if e.Name == "" {
		return errors.New("an experiment needs a name")
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return s.updateExperiment(ctx, tx, e) })
}

func (s *Store) updateExperiment(ctx context.Context, tx *sql.Tx, e Experiment) error {
	var clash string
	err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT id FROM experiments WHERE name = ? AND deleted_ms IS NULL AND id <> ?`), e.Name, e.ID).Scan(&clash)
	switch {
	case err == nil:
		return fmt.Errorf("cannot rename experiment %s to %q: experiment %s already has that name", e.ID, e.Name, clash)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	res, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE experiments SET name = ?, description = ?, tags = ? WHERE id = ?`),
		e.Name, e.Description, encodeStrings(e.Tags), e.ID)
	if err != nil {
		return fmt.Errorf("cannot update experiment %s: %w", e.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("experiment %s: %w", e.ID, ErrNotFound)
	}
	return nil
}

// DeleteExperiment marks the experiment id deleted, and its live runs
// with it, at the same time, as MLflow does: they leave searches and take
// no more logging, and stay as history. Its name is free for a new
// experiment. Deleting a deleted experiment does nothing.
func (s *Store) DeleteExperiment(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		// The runs deleted with the experiment are those deleted at its
		// time, which is later than any run of it deleted before.
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT MAX(deleted_ms) FROM runs WHERE experiment_id = ?`), id).Scan(&last); err != nil {
			return fmt.Errorf("cannot delete experiment %s: %w", id, err)
		}
		at := max(now().UnixMilli(), last.Int64+1)
		res, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE experiments SET deleted_ms = ? WHERE id = ? AND deleted_ms IS NULL`), at, id)
		if err != nil {
			return fmt.Errorf("cannot delete experiment %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if _, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE runs SET deleted_ms = ? WHERE experiment_id = ? AND deleted_ms IS NULL`), at, id); err != nil {
				return fmt.Errorf("cannot delete the runs of experiment %s: %w", id, err)
			}
			return nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM experiments WHERE id = ?`), id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("experiment %s: %w", id, ErrNotFound)
		}
		return nil
	})
}

// RestoreExperiment makes the deleted experiment id live again, with the
// runs deleted with it (a run deleted on its own before stays deleted);
// restoring a live experiment does nothing. ErrExists when a live
// experiment has taken its name meanwhile.
func (s *Store) RestoreExperiment(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		e, err := s.scanExperiment(tx.QueryRowContext(ctx, s.dialect.q(`SELECT `+experimentColumns+` FROM experiments WHERE id = ?`), id))
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("experiment %s: %w", id, ErrNotFound)
		}
		if err != nil || e.Deleted.IsZero() {
			return err
		}
		// Checked first: a failed statement ends a PostgreSQL transaction.
		var n int
		if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM experiments WHERE name = ? AND deleted_ms IS NULL`), e.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("cannot restore experiment %s: a live experiment is named %q; rename one of them first: %w", id, e.Name, ErrExists)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE experiments SET deleted_ms = NULL WHERE id = ?`), id); err != nil {
			return fmt.Errorf("cannot restore experiment %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.q(`UPDATE runs SET deleted_ms = NULL WHERE experiment_id = ? AND deleted_ms = ?`), id, e.Deleted.UnixMilli()); err != nil {
			return fmt.Errorf("cannot restore the runs of experiment %s: %w", id, err)
		}
		return nil
	})
}

// ListDeletedExperiments returns the deleted experiments, by name.
func (s *Store) ListDeletedExperiments(ctx context.Context) ([]Experiment, error) {
	return s.listExperiments(ctx, `deleted_ms IS NOT NULL`)
}

// ListExperiments returns the live experiments, by name.
func (s *Store) ListExperiments(ctx context.Context) ([]Experiment, error) {
	return s.listExperiments(ctx, `deleted_ms IS NULL`)
}

func (s *Store) listExperiments(ctx context.Context, where string) ([]Experiment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+experimentColumns+` FROM experiments WHERE `+where+` ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("cannot list experiments: %w", err)
	}
	return scanRows(rows, s.scanExperiment)
}

type scanner interface{ Scan(dest ...any) error }

// scanRows reads every row of rows with scan, then closes rows.
func scanRows[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *Store) scanExperiment(row scanner) (Experiment, error) {
	var (
		e                Experiment
		tags             string
		created, deleted sql.NullInt64
	)
	err := row.Scan(&e.ID, &e.Name, &e.Description, &tags, &created, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return Experiment{}, ErrNotFound
	}
	if err != nil {
		return Experiment{}, fmt.Errorf("cannot read an experiment: %w", err)
	}
	if e.Tags, err = decodeStrings(tags, "experiment "+e.ID+" tags"); err != nil {
		return Experiment{}, err
	}
	e.Created, e.Deleted = timeOf(created), timeOf(deleted)
	return e, nil
}
