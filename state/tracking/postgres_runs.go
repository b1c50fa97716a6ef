package tracking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// On PostgreSQL, creating a run and logging a batch to it are the
// requests a busy server answers most; each waits for the database once
// or twice instead of once a statement: pgx sends the statements of a
// batch at once.

// createRunPostgres is CreateRunWithTags in one round trip: the run, its
// final metrics and its tags in a batch, which PostgreSQL runs as one
// implicit transaction (a statement failing undoes the others).
func (s *Store) createRunPostgres(ctx context.Context, r Run, tags map[string]string) error {
	b := &pgx.Batch{}
	b.Queue(s.dialect.q(`INSERT INTO runs (`+runColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), r.args()...)
	if len(r.Metrics) > 0 {
		st := runMetricsInsert(r.ID, r.Metrics)
		b.Queue(s.dialect.q(st.query), st.args...)
	}
	if len(tags) > 0 {
		st := tagsUpsert(r.ID, tags)
		b.Queue(s.dialect.q(st.query), st.args...)
	}
	err := s.pgConn(ctx, func(c *pgx.Conn) error { return c.SendBatch(ctx, b).Close() })
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.TableName == "runs": // unique_violation
		return fmt.Errorf("cannot create run %s: a run with that ID exists", r.ID)
	case errors.As(err, &pgErr) && pgErr.Code == "23503" && pgErr.TableName == "runs": // foreign_key_violation
		return fmt.Errorf("cannot create run %s: experiment %s does not exist: %w", r.ID, r.ExperimentID, ErrNotFound)
	}
	return fmt.Errorf("cannot create run %s: %w", r.ID, err)
}

// logBatchPostgres is LogBatch in two round trips: the first begins the
// transaction and reads the run (locking its row, which orders the
// batches of one run and no other) and its metrics' highest steps, the
// second writes and commits.
func (s *Store) logBatchPostgres(ctx context.Context, id string, lb Batch) error {
	return s.pgConn(ctx, func(c *pgx.Conn) (err error) {
		var run batchRun
		var readErr error
		b := &pgx.Batch{}
		b.Queue(`BEGIN`)
		b.Queue(`SELECT params, metrics, deleted_ms FROM runs WHERE id = $1 FOR UPDATE`, id).QueryRow(func(row pgx.Row) error {
			readErr = row.Scan(&run.params, &run.metrics, &run.deleted)
			return nil
		})
		if q, args := maxSteps(id, lb.Metrics); q != "" {
			b.Queue(s.dialect.q(q), args...).Query(func(rows pgx.Rows) error {
				run.before = map[string]int64{}
				for rows.Next() {
					var name string
					var step int64
					if err := rows.Scan(&name, &step); err != nil {
						return err
					}
					run.before[name] = step
				}
				return rows.Err()
			})
		}
		err = c.SendBatch(ctx, b).Close()
		defer func() {
			if err != nil {
				c.Exec(context.WithoutCancel(ctx), `ROLLBACK`)
			}
		}()
		if err != nil {
			return fmt.Errorf("cannot read run %s: %w", id, err)
		}
		if errors.Is(readErr, pgx.ErrNoRows) {
			readErr = sql.ErrNoRows
		}
		if err = run.check(id, readErr); err != nil {
			return err
		}
		writes, err := run.writes(id, lb)
		if err != nil {
			return err
		}
		b = &pgx.Batch{}
		for _, w := range writes {
			b.Queue(s.dialect.q(w.query), w.args...)
		}
		b.Queue(`COMMIT`)
		if err = c.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("cannot log to run %s: %w", id, err)
		}
		return nil
	})
}
