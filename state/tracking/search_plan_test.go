package tracking

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/pgtest"
)

// TestPostgresSearchPlan pins the shape of PostgreSQL's plan for a search
// over 30,000 runs with a metric condition, ordered by that metric: it
// walks the metric index and fetches each matching run by its key, with
// statistics fresh or not yet gathered (a search right after the runs were
// added). A plan that scans a table or hashes the runs reads every run
// for a page of them (479 ms instead of 16 ms for the first 100 when this
// test was written).
func TestPostgresSearchPlan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.URL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, err := s.CreateExperiment(ctx, Experiment{Name: "search"})
	if err != nil {
		t.Fatal(err)
	}
	// The runs of BenchmarkSearchRuns, written at once: finished, with
	// accuracy, loss and f1 each; a tenth have accuracy >= 0.9.
	for _, q := range []string{
		`SELECT setseed(0.5)`,
		`INSERT INTO runs (id, experiment_id, status, started_ms, finished_ms, metrics)
			SELECT 'run-' || i, $1, 'finished', i * 1000, i * 1000 + 500, '{}' FROM generate_series(1, 30000) i`,
		`INSERT INTO run_metrics (run_id, name, value)
			SELECT 'run-' || i, m.name, random() * m.scale FROM generate_series(1, 30000) i,
				(VALUES ('accuracy', 1.0), ('loss', 3.0), ('f1', 1.0)) m (name, scale)`,
	} {
		args := []any{}
		if strings.Contains(q, "$1") {
			args = append(args, e.ID)
		}
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	accurate := []MetricCondition{{Name: "accuracy", Op: ">=", Value: 0.9}}
	searches := []struct {
		name string
		f    RunFilter
	}{
		{"first 100", RunFilter{ExperimentID: e.ID, Metrics: accurate, OrderBy: &RunOrder{Metric: "accuracy", Desc: true}, Limit: 100}},
		{"all matches", RunFilter{ExperimentID: e.ID, Metrics: accurate, OrderBy: &RunOrder{Metric: "accuracy", Desc: true}}},
		{"a second condition", RunFilter{ExperimentID: e.ID, OrderBy: &RunOrder{Metric: "accuracy"}, Limit: 100,
			Metrics: append(slices.Clone(accurate), MetricCondition{Name: "loss", Op: "<", Value: 1})}},
	}
	for _, stats := range []string{"not gathered", "fresh"} {
		if stats == "fresh" {
			if _, err := s.db.ExecContext(ctx, `ANALYZE runs, run_metrics`); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range searches {
			t.Run(stats+"/"+tt.name, func(t *testing.T) {
				query, args, err := tt.f.query(s.dialect)
				if err != nil {
					t.Fatal(err)
				}
				var text string
				if err := s.db.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) `+s.dialect.q(query), args...).Scan(&text); err != nil {
					t.Fatal(err)
				}
				var plan []struct{ Plan planNode }
				if err := json.Unmarshal([]byte(text), &plan); err != nil {
					t.Fatal(err)
				}
				var nodes []string
				plan[0].Plan.walk(func(n planNode) { nodes = append(nodes, n.String()) })
				for _, n := range nodes {
					for _, bad := range []string{"Seq Scan", "Hash", "Merge"} {
						if strings.HasPrefix(n, bad) {
							t.Errorf("the plan has %s: it reads every run, not the matching ones", n)
						}
					}
					// With statistics the planner knows a page of the
					// matches is a walk of the index that stops at the
					// limit; without, it may sort the matches (never more).
					if strings.HasPrefix(n, "Sort") && stats == "fresh" && tt.f.Limit > 0 {
						t.Errorf("the plan sorts the matches instead of walking the metric index to the limit")
					}
				}
				// The matching metric rows come from the metric index (a
				// walk, or a bitmap of the matches), each run by its key.
				for _, want := range []string{"Index Scan run_metrics_value", "Index Scan runs_pkey on runs"} {
					if !slices.ContainsFunc(nodes, func(n string) bool { return strings.Contains(n, want) }) {
						t.Errorf("the plan has no %s", want)
					}
				}
				if t.Failed() {
					t.Logf("plan:\n%s", text)
				}
			})
		}
	}
}

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	Type     string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Plans    []planNode `json:"Plans"`
}

func (n planNode) walk(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}

// String is "Index Scan run_metrics_value on run_metrics", "Limit".
func (n planNode) String() string {
	s := n.Type
	if n.Index != "" {
		s += " " + n.Index
	}
	if n.Relation != "" {
		s += " on " + n.Relation
	}
	return s
}
