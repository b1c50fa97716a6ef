package tracking

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// MetricPoint is one value of a metric at a step of a run.
type MetricPoint struct {
	RunID string
	Name  string
	Step  int64
	Value float64 // NaN is kept
	Time  time.Time
}

// metricRowsPerStatement is how many points one INSERT carries.
const metricRowsPerStatement = 200

// LogMetrics stores pts in one transaction. A point for a run, metric and
// step already stored replaces it (a step logged again after a restart
// from a checkpoint). A zero Time is now.
func (s *Store) LogMetrics(ctx context.Context, pts []MetricPoint) error {
	if len(pts) == 0 {
		return nil
	}
	runs := map[string]bool{}
	for i, p := range pts {
		if p.RunID == "" || p.Name == "" {
			return fmt.Errorf("metric point %d (%q at step %d) has no run ID or no name", i, p.Name, p.Step)
		}
		runs[p.RunID] = true
	}
	if s.dialect.name == postgresDialect.name {
		return s.logMetricsPostgres(ctx, pts, slices.Sorted(maps.Keys(runs)))
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for id := range runs {
			var n int
			if err := tx.QueryRowContext(ctx, s.dialect.q(`SELECT COUNT(*) FROM runs WHERE id = ?`), id).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("cannot log metrics of run %s: %w", id, ErrNotFound)
			}
		}
		if err := s.insertPoints(ctx, tx, "", pts); err != nil {
			return fmt.Errorf("cannot log metrics: %w", err)
		}
		return nil
	})
}

// insertPoints inserts pts, metricRowsPerStatement at a time, in the run
// runID or, when it is "", each point's own. A zero Time is now.
func (s *Store) insertPoints(ctx context.Context, tx *sql.Tx, runID string, pts []MetricPoint) error {
	stamp := time.Now().UnixMilli()
	rows := min(metricRowsPerStatement, s.dialect.maxParams/5)
	var full *sql.Stmt
	if len(pts) >= rows {
		var err error
		if full, err = tx.PrepareContext(ctx, s.dialect.q(metricInsert(rows))); err != nil {
			return err
		}
		defer full.Close()
	}
	args := make([]any, 0, 5*rows)
	for len(pts) > 0 {
		n := min(rows, len(pts))
		args = args[:0]
		for _, p := range pts[:n] {
			ts := stamp
			if !p.Time.IsZero() {
				ts = p.Time.UnixMilli()
			}
			id := runID
			if id == "" {
				id = p.RunID
			}
			args = append(args, id, p.Name, p.Step, nullFloat(p.Value), ts)
		}
		var err error
		if n == rows {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, s.dialect.q(metricInsert(n)), args...)
		}
		if err != nil {
			return err
		}
		pts = pts[n:]
	}
	return nil
}

// metricInsert is an INSERT of n points. Within one statement a repeated
// (run, metric, step) keeps the last value in SQLite.
func metricInsert(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO metric_points (run_id, name, step, value, timestamp_ms) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?)")
	}
	b.WriteString(` ON CONFLICT (run_id, name, step) DO UPDATE SET value = excluded.value, timestamp_ms = excluded.timestamp_ms`)
	return b.String()
}

// MetricHistory returns the points of one metric of a run, by step.
func (s *Store) MetricHistory(ctx context.Context, runID, name string) ([]MetricPoint, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT step, value, timestamp_ms FROM metric_points WHERE run_id = ? AND name = ? ORDER BY step`), runID, name)
	if err != nil {
		return nil, fmt.Errorf("cannot read metric %s of run %s: %w", name, runID, err)
	}
	defer rows.Close()
	var out []MetricPoint
	for rows.Next() {
		p := MetricPoint{RunID: runID, Name: name}
		var (
			v  sql.NullFloat64
			ts int64
		)
		if err := rows.Scan(&p.Step, &v, &ts); err != nil {
			return nil, fmt.Errorf("cannot read metric %s of run %s: %w", name, runID, err)
		}
		p.Value = math.NaN()
		if v.Valid {
			p.Value = v.Float64
		}
		p.Time = time.UnixMilli(ts).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// MetricNames returns the names of the metrics logged for a run, sorted.
func (s *Store) MetricNames(ctx context.Context, runID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT DISTINCT name FROM metric_points WHERE run_id = ? ORDER BY name`), runID)
	if err != nil {
		return nil, fmt.Errorf("cannot read the metric names of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}
