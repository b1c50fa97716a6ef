package tracking

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
)

// MetricCondition selects runs by the final value of a metric:
// accuracy >= 0.9 is {Name: "accuracy", Op: ">=", Value: 0.9}. A run
// without the metric, or whose value is NaN, never matches.
type MetricCondition struct {
	Name  string
	Op    string // one of <, <=, =, !=, >=, >
	Value float64
}

var metricOps = []string{"<", "<=", "=", "!=", ">=", ">"}

// RunOrder orders runs by the final value of a metric; runs without it
// come last.
type RunOrder struct {
	Metric string
	Desc   bool
}

// setRunMetrics makes run_metrics hold metrics as the final values of run
// id.
func (s *Store) setRunMetrics(ctx context.Context, tx *sql.Tx, id string, metrics map[string]float64) error {
	if _, err := tx.ExecContext(ctx, s.dialect.q(`DELETE FROM run_metrics WHERE run_id = ?`), id); err != nil {
		return fmt.Errorf("cannot record the metrics of run %s: %w", id, err)
	}
	return s.insertRunMetrics(ctx, tx, id, metrics)
}

// insertRunMetrics records the final metrics of run id, which has none.
func (s *Store) insertRunMetrics(ctx context.Context, tx *sql.Tx, id string, metrics map[string]float64) error {
	if len(metrics) == 0 {
		return nil
	}
	st := runMetricsInsert(id, metrics)
	if _, err := tx.ExecContext(ctx, s.dialect.q(st.query), st.args...); err != nil {
		return fmt.Errorf("cannot record the metrics of run %s: %w", id, err)
	}
	return nil
}

// runMetricsInsert inserts the final metrics of run id.
func runMetricsInsert(id string, metrics map[string]float64) statement {
	var b strings.Builder
	args := make([]any, 0, 3*len(metrics))
	b.WriteString(`INSERT INTO run_metrics (run_id, name, value) VALUES `)
	for i, name := range sortedKeys(metrics) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?)")
		args = append(args, id, name, nullFloat(metrics[name]))
	}
	return statement{b.String(), args}
}

// fillRunMetrics fills run_metrics from the runs recorded before it
// existed.
func fillRunMetrics(ctx context.Context, s *Store, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, metrics FROM runs WHERE metrics <> '{}'`)
	if err != nil {
		return err
	}
	type runMetrics struct {
		id string
		m  map[string]float64
	}
	var all []runMetrics
	for rows.Next() {
		var id, text string
		if err := rows.Scan(&id, &text); err != nil {
			rows.Close()
			return err
		}
		m, err := decodeFloats(text, "run "+id+" metrics")
		if err != nil {
			rows.Close()
			return err
		}
		all = append(all, runMetrics{id, m})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		if err := s.setRunMetrics(ctx, tx, r.id, r.m); err != nil {
			return err
		}
	}
	return nil
}

// query builds the query of ListRuns for the dialect d. With metric
// conditions, the scan starts from the index of one of them (the one on the
// order metric, if any), so that a search reads the matching runs only.
func (f RunFilter) query(d dialect) (string, []any, error) {
	for _, c := range f.Metrics {
		if !slices.Contains(metricOps, c.Op) {
			return "", nil, fmt.Errorf("metric condition on %q: unknown operator %q; use one of %s", c.Name, c.Op, strings.Join(metricOps, " "))
		}
		if c.Name == "" || math.IsNaN(c.Value) {
			return "", nil, fmt.Errorf("a metric condition needs a metric name and a number")
		}
	}
	if f.OrderBy != nil && f.OrderBy.Metric == "" {
		return "", nil, fmt.Errorf("a run order needs a metric name")
	}
	sqlOp := func(op string) string {
		if op == "!=" {
			return "<>"
		}
		return op
	}
	var (
		b     strings.Builder
		where []string
		args  []any
	)
	conds := f.Metrics
	orderCol := ""
	b.WriteString(`SELECT ` + prefixed("r.", runSelect))
	if len(conds) > 0 {
		lead := 0
		for i, c := range conds {
			if f.OrderBy != nil && c.Name == f.OrderBy.Metric {
				lead = i
			}
		}
		c := conds[lead]
		conds = slices.Delete(slices.Clone(conds), lead, lead+1)
		if d.name == postgresDialect.name {
			// Each matching run is looked up by its key: PostgreSQL cannot
			// flatten a lateral subquery with an OFFSET, so it does not
			// scan and hash every run instead, as it plans to when its
			// statistics are stale (a search right after runs were added)
			// or when it overestimates the matches, which it does
			// whenever another metric's values pass the condition more
			// often.
			b.WriteString(` FROM run_metrics f CROSS JOIN LATERAL (SELECT * FROM runs WHERE id = f.run_id OFFSET 0) r`)
		} else {
			// CROSS JOIN keeps SQLite from starting at runs (its planner
			// does without statistics).
			b.WriteString(` FROM run_metrics f CROSS JOIN runs r`)
			where = append(where, `r.id = f.run_id`)
		}
		where = append(where, `f.name = ?`, `f.value `+sqlOp(c.Op)+` ?`)
		args = append(args, c.Name, c.Value)
		if f.OrderBy != nil && c.Name == f.OrderBy.Metric {
			orderCol = "f.value"
		}
	} else {
		b.WriteString(` FROM runs r`)
	}
	if f.OrderBy != nil && orderCol == "" {
		b.WriteString(` LEFT JOIN run_metrics o ON o.run_id = r.id AND o.name = ?`)
		args = append(slices.Clone(args[:0]), append([]any{f.OrderBy.Metric}, args...)...)
		orderCol = "o.value"
	}
	switch f.View {
	case LiveRuns:
		where = append(where, `r.deleted_ms IS NULL`)
	case DeletedRuns:
		where = append(where, `r.deleted_ms IS NOT NULL`)
	}
	if f.ExperimentID != "" {
		where = append(where, `r.experiment_id = ?`)
		args = append(args, f.ExperimentID)
	}
	for _, c := range conds {
		where = append(where, `EXISTS (SELECT 1 FROM run_metrics m WHERE m.run_id = r.id AND m.name = ? AND m.value `+sqlOp(c.Op)+` ?)`)
		args = append(args, c.Name, c.Value)
	}
	if len(where) > 0 {
		b.WriteString(` WHERE ` + strings.Join(where, ` AND `))
	}
	b.WriteString(` ORDER BY `)
	if f.OrderBy != nil {
		dir := "ASC"
		if f.OrderBy.Desc {
			dir = "DESC"
		}
		// Runs without the metric (or with NaN) last in both directions.
		// When the order is on the condition's own metric no such run
		// matches, and the order walks the metric index: a search with a
		// limit reads that many runs, not every match.
		if orderCol != "f.value" {
			b.WriteString(`CASE WHEN ` + orderCol + ` IS NULL THEN 1 ELSE 0 END, `)
		}
		b.WriteString(orderCol + ` ` + dir + `, `)
	}
	b.WriteString(`r.started_ms DESC, r.id`)
	switch {
	case f.Limit > 0:
		b.WriteString(` LIMIT ?`)
		args = append(args, f.Limit)
	case f.Offset > 0 && d.name == postgresDialect.name:
		b.WriteString(` LIMIT ALL`)
	case f.Offset > 0:
		b.WriteString(` LIMIT -1`) // SQLite takes an OFFSET after a LIMIT only
	}
	if f.Offset > 0 {
		b.WriteString(` OFFSET ?`)
		args = append(args, f.Offset)
	}
	return b.String(), args, nil
}

// prefixed writes "p.a, p.b" for columns "a, b".
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = p + c
	}
	return strings.Join(cols, ", ")
}
