package tracking

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// ErrParamChanged is wrapped by LogBatch errors about a param logged
// again with another value: a run's params never change.
var ErrParamChanged = errors.New("a param of a run cannot change")

// ErrRunDeleted is wrapped by LogBatch errors about a deleted run: nothing
// is logged to it until it is restored.
var ErrRunDeleted = errors.New("the run is deleted")

// Batch is what a client logs to a running run at once: metric points,
// params and tags.
type Batch struct {
	Metrics []MetricPoint // RunID may be empty: the batch's run
	// Params are added to the run's params as JSON strings; a param
	// already there must have the same value (see ParamString).
	Params map[string]string
	Tags   map[string]string
}

// LogBatch records b for run id in one transaction. The final value of
// each metric (Run.Metrics, and what a search filters on) becomes the
// value at its highest step.
func (s *Store) LogBatch(ctx context.Context, id string, b Batch) error {
	for i, p := range b.Metrics {
		if p.Name == "" {
			return fmt.Errorf("metric point %d of run %s has no name", i, id)
		}
		if p.RunID != "" && p.RunID != id {
			return fmt.Errorf("metric point %d is for run %s, not %s", i, p.RunID, id)
		}
	}
	if s.dialect.name == postgresDialect.name {
		return s.logBatchPostgres(ctx, id, b)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var run batchRun
		err := tx.QueryRowContext(ctx, `SELECT params, metrics, deleted_ms FROM runs WHERE id = ?`, id).Scan(&run.params, &run.metrics, &run.deleted)
		if err := run.check(id, err); err != nil {
			return err
		}
		if q, args := maxSteps(id, b.Metrics); q != "" {
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("cannot read the metrics of run %s: %w", id, err)
			}
			run.before, err = scanSteps(rows)
			if err != nil {
				return fmt.Errorf("cannot read the metrics of run %s: %w", id, err)
			}
		}
		writes, err := run.writes(id, b)
		if err != nil {
			return err
		}
		for _, w := range writes {
			if _, err := tx.ExecContext(ctx, w.query, w.args...); err != nil {
				return fmt.Errorf("cannot log to run %s: %w", id, err)
			}
		}
		return nil
	})
}

// batchRun is what LogBatch reads of a run before it writes: the stored
// params and final metrics (JSON objects), the deletion time, and the
// highest step stored of each metric of the batch.
type batchRun struct {
	params, metrics string
	deleted         sql.NullInt64
	before          map[string]int64
}

// check says what the read of the run found wrong: err, no run, or a
// deleted one.
func (r *batchRun) check(id string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("cannot read run %s: %w", id, err)
	}
	if r.deleted.Valid {
		return fmt.Errorf("run %s was deleted at %s; restore it to log to it: %w", id, timeOf(r.deleted).Format(time.RFC3339), ErrRunDeleted)
	}
	return nil
}

// statement is a query, with ? placeholders, and its arguments.
type statement struct {
	query string
	args  []any
}

// maxSteps is the query of the highest step stored of each metric of pts.
func maxSteps(id string, pts []MetricPoint) (string, []any) {
	if len(pts) == 0 {
		return "", nil
	}
	names := map[string]bool{}
	for _, p := range pts {
		names[p.Name] = true
	}
	marks, args, _ := inList(sortedKeys(names))
	return `SELECT name, MAX(step) FROM metric_points WHERE run_id = ? AND name IN (` + marks + `) GROUP BY name`, append([]any{id}, args...)
}

// scanSteps reads the rows of a maxSteps query.
func scanSteps(rows *sql.Rows) (map[string]int64, error) {
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var step int64
		if err := rows.Scan(&name, &step); err != nil {
			return nil, err
		}
		out[name] = step
	}
	return out, rows.Err()
}

// writes are the statements that log b to the run: its new params, its
// points (metricRowsPerStatement to a statement), the final values of
// their metrics, and its tags. A param logged again with another value
// is an error.
func (r *batchRun) writes(id string, b Batch) ([]statement, error) {
	var out []statement
	params, err := mergeParams(id, r.params, b.Params)
	if err != nil {
		return nil, err
	}
	metrics := r.metrics
	for pts := b.Metrics; len(pts) > 0; {
		n := min(metricRowsPerStatement, len(pts))
		args := make([]any, 0, 5*n)
		stamp := time.Now().UnixMilli()
		for _, p := range pts[:n] {
			ts := stamp
			if !p.Time.IsZero() {
				ts = p.Time.UnixMilli()
			}
			args = append(args, id, p.Name, p.Step, nullFloat(p.Value), ts)
		}
		out = append(out, statement{metricInsert(n), args})
		pts = pts[n:]
	}
	if len(b.Metrics) > 0 {
		upsert, final, err := r.finalMetrics(id, b.Metrics)
		if err != nil {
			return nil, err
		}
		if upsert.query != "" {
			out = append(out, upsert)
			metrics = final
		}
	}
	if params != r.params || metrics != r.metrics {
		out = append(out, statement{`UPDATE runs SET params = ?, metrics = ? WHERE id = ?`, []any{params, metrics, id}})
	}
	if len(b.Tags) > 0 {
		out = append(out, tagsUpsert(id, b.Tags))
	}
	return out, nil
}

// mergeParams adds add to the stored params (a JSON object) and returns
// them, as stored when nothing was added.
func mergeParams(id, stored string, add map[string]string) (string, error) {
	if len(add) == 0 {
		return stored, nil
	}
	obj := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(stored), &obj); err != nil {
		return "", fmt.Errorf("the params of run %s are not a JSON object: %w", id, err)
	}
	changed := false
	for _, k := range sortedKeys(add) {
		if old, ok := obj[k]; ok {
			if ParamString(old) != add[k] {
				return "", fmt.Errorf("param %s of run %s is %q; it cannot become %q: %w", k, id, ParamString(old), add[k], ErrParamChanged)
			}
			continue
		}
		v, _ := json.Marshal(add[k])
		obj[k], changed = v, true
	}
	if !changed {
		return stored, nil
	}
	text, err := json.Marshal(obj)
	return string(text), err
}

// finalMetrics moves the final value of each metric of pts to its value
// at the highest step (a step logged again below the highest stored
// leaves it): the upsert of run_metrics, and the run's metrics column.
func (r *batchRun) finalMetrics(id string, pts []MetricPoint) (statement, string, error) {
	// The batch's own last point of each metric (a step repeated in the
	// batch keeps its last value, as the insert does).
	last := map[string]MetricPoint{}
	for _, p := range pts {
		if l, ok := last[p.Name]; !ok || p.Step >= l.Step {
			last[p.Name] = p
		}
	}
	final, err := decodeFloats(r.metrics, "run "+id+" metrics")
	if err != nil {
		return statement{}, "", err
	}
	if final == nil {
		final = map[string]float64{}
	}
	var b strings.Builder
	var upsert []any
	for _, name := range sortedKeys(last) {
		if step, ok := r.before[name]; ok && last[name].Step < step {
			continue // an earlier step logged again: the final value stays
		}
		final[name] = last[name].Value
		if len(upsert) > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?)")
		upsert = append(upsert, id, name, nullFloat(last[name].Value))
	}
	if len(upsert) == 0 {
		return statement{}, r.metrics, nil
	}
	return statement{`INSERT INTO run_metrics (run_id, name, value) VALUES ` + b.String() + `
		ON CONFLICT (run_id, name) DO UPDATE SET value = excluded.value`, upsert}, encodeFloats(final), nil
}

// tagsUpsert sets tags of run id.
func tagsUpsert(id string, tags map[string]string) statement {
	var b strings.Builder
	args := make([]any, 0, 3*len(tags))
	for i, k := range sortedKeys(tags) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?)")
		args = append(args, id, k, tags[k])
	}
	return statement{`INSERT INTO run_tags (run_id, key, value) VALUES ` + b.String() + `
		ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`, args}
}

// setTags sets tags of run id, in one statement.
func (s *Store) setTags(ctx context.Context, tx *sql.Tx, id string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	st := tagsUpsert(id, tags)
	if _, err := tx.ExecContext(ctx, s.dialect.q(st.query), st.args...); err != nil {
		return fmt.Errorf("cannot set the tags of run %s: %w", id, err)
	}
	return nil
}

// nullFloat is a value for a DOUBLE PRECISION column: NaN is NULL.
func nullFloat(f float64) sql.NullFloat64 {
	if math.IsNaN(f) {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: f, Valid: true}
}

// ParamString is a param's value as text: a JSON string unquoted, any
// other JSON value as written (0.05, true, [1,2]).
func ParamString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// RunTags returns the tags of run id.
func (s *Store) RunTags(ctx context.Context, id string) (map[string]string, error) {
	all, err := s.TagsOfRuns(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return all[id], nil
}

// TagsOfRuns returns the tags of the runs ids, by run.
func (s *Store) TagsOfRuns(ctx context.Context, ids []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for len(ids) > 0 {
		marks, args, n := inList(ids)
		rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT run_id, key, value FROM run_tags WHERE run_id IN (`+marks+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("cannot read run tags: %w", err)
		}
		for rows.Next() {
			var id, k, v string
			if err := rows.Scan(&id, &k, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("cannot read run tags: %w", err)
			}
			if out[id] == nil {
				out[id] = map[string]string{}
			}
			out[id][k] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// DeleteRunTag removes tag key of run id; ErrNotFound when it has none.
func (s *Store) DeleteRunTag(ctx context.Context, id, key string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.q(`DELETE FROM run_tags WHERE run_id = ? AND key = ?`), id, key)
		if err != nil {
			return fmt.Errorf("cannot delete tag %s of run %s: %w", key, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("tag %s of run %s: %w", key, id, ErrNotFound)
		}
		return nil
	})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// LatestMetrics returns, for each run of ids, the point at the highest
// step of each of its metrics (a final value without points has step 0
// and the run's start time), by run.
func (s *Store) LatestMetrics(ctx context.Context, ids []string) (map[string][]MetricPoint, error) {
	out := map[string][]MetricPoint{}
	for len(ids) > 0 {
		marks, args, n := inList(ids)
		rows, err := s.db.QueryContext(ctx, s.dialect.q(`SELECT f.run_id, f.name, f.value, p.step, p.value, p.timestamp_ms, r.started_ms
			FROM run_metrics f
			JOIN runs r ON r.id = f.run_id
			LEFT JOIN metric_points p ON p.run_id = f.run_id AND p.name = f.name
				AND p.step = (SELECT MAX(step) FROM metric_points q WHERE q.run_id = f.run_id AND q.name = f.name)
			WHERE f.run_id IN (`+marks+`) ORDER BY f.run_id, f.name`), args...)
		if err != nil {
			return nil, fmt.Errorf("cannot read the latest metrics: %w", err)
		}
		for rows.Next() {
			var (
				p            MetricPoint
				final, pv    sql.NullFloat64
				step, ts, t0 sql.NullInt64
			)
			if err := rows.Scan(&p.RunID, &p.Name, &final, &step, &pv, &ts, &t0); err != nil {
				rows.Close()
				return nil, fmt.Errorf("cannot read the latest metrics: %w", err)
			}
			v := final
			if step.Valid {
				v, p.Step, p.Time = pv, step.Int64, time.UnixMilli(ts.Int64).UTC()
			} else {
				p.Time = timeOf(t0)
			}
			p.Value = math.NaN()
			if v.Valid {
				p.Value = v.Float64
			}
			out[p.RunID] = append(out[p.RunID], p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// inList is the placeholders and arguments of an IN list of the first
// ids (at most 500 at once), and how many it holds.
func inList(ids []string) (string, []any, int) {
	n := min(len(ids), 500)
	args := make([]any, n)
	for i, id := range ids[:n] {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ","), args, n
}
