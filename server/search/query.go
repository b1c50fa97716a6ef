package search

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mltf/mltf/state/tracking"
)

// Request is one search of runs.
type Request struct {
	ExperimentIDs []string // none: every experiment
	Filter        string
	OrderBy       []string
	Offset        int
	Max           int // 0: no limit
	View          tracking.RunView
}

// Result is a page of runs, with their tags.
type Result struct {
	Runs []tracking.Run
	Tags map[string]map[string]string
	// More says runs follow this page: the next starts at Offset+Max.
	More bool
}

// Run searches the runs of ts.
func Run(ctx context.Context, ts *tracking.Store, req Request) (Result, error) {
	f, err := Parse(req.Filter)
	if err != nil {
		return Result{}, err
	}
	orders, err := ParseOrder(req.OrderBy)
	if err != nil {
		return Result{}, err
	}
	base := tracking.RunFilter{View: req.View}
	var rest []Clause
	for _, c := range f.Clauses {
		if c.Entity == "metrics" {
			base.Metrics = append(base.Metrics, tracking.MetricCondition{Name: c.Key, Op: metricOp(c.Op), Value: c.Number})
			continue
		}
		rest = append(rest, c)
	}
	// The database orders by one metric; anything else is sorted here.
	dbOrder := len(orders) == 0 || (len(orders) == 1 && (orders[0].Entity == "metrics" || (orders[0].Entity == "attributes" && orders[0].Key == "start_time" && orders[0].Desc)))
	if len(orders) == 1 && orders[0].Entity == "metrics" {
		base.OrderBy = &tracking.RunOrder{Metric: orders[0].Key, Desc: orders[0].Desc}
	}
	needTags := slices.ContainsFunc(rest, func(c Clause) bool {
		return c.Entity == "tags" || (c.Entity == "attributes" && (c.Key == "user_id" || c.Key == "run_name"))
	}) || slices.ContainsFunc(orders, func(o Order) bool { return o.Entity == "tags" })
	ids := req.ExperimentIDs
	if len(ids) == 0 {
		ids = []string{""}
	}
	// The database pages when it alone orders and filters: one query
	// reads the page (and one run more, to know whether another page
	// follows); over several experiments, each query reads up to the
	// page's end and the pages are cut here.
	pushLimit := req.Max > 0 && dbOrder && len(rest) == 0
	pushOffset := pushLimit && len(ids) == 1
	switch {
	case pushOffset:
		base.Limit, base.Offset = req.Max+1, req.Offset
	case pushLimit:
		base.Limit = req.Offset + req.Max + 1
	}
	var runs []tracking.Run
	for _, id := range ids {
		q := base
		q.ExperimentID = id
		rs, err := ts.ListRuns(ctx, q)
		if err != nil {
			return Result{}, err
		}
		runs = append(runs, rs...)
	}
	var tags map[string]map[string]string
	if needTags {
		if tags, err = ts.TagsOfRuns(ctx, runIDs(runs)); err != nil {
			return Result{}, err
		}
	}
	if len(rest) > 0 {
		runs = slices.DeleteFunc(runs, func(r tracking.Run) bool {
			for _, c := range rest {
				if !c.match(r, tags[r.ID]) {
					return true
				}
			}
			return false
		})
	}
	if len(ids) > 1 || !dbOrder {
		sortRuns(runs, orders, tags)
	}
	var out Result
	if req.Offset > 0 && !pushOffset {
		runs = runs[min(req.Offset, len(runs)):]
	}
	if req.Max > 0 && len(runs) > req.Max {
		runs, out.More = runs[:req.Max], true
	}
	out.Runs = runs
	if out.Tags, err = ts.TagsOfRuns(ctx, runIDs(runs)); err != nil {
		return Result{}, err
	}
	return out, nil
}

func runIDs(runs []tracking.Run) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}

func metricOp(op string) string {
	if op == "==" {
		return "="
	}
	return op
}

// match reports whether r (with tags) meets c; c is not on metrics.
func (c Clause) match(r tracking.Run, tags map[string]string) bool {
	var (
		have  string
		found = true
	)
	switch c.Entity {
	case "params":
		have, found = Param(r, c.Key)
	case "tags":
		have, found = tags[c.Key]
	case "attributes":
		switch c.Key {
		case "start_time", "end_time":
			t := r.Started
			if c.Key == "end_time" {
				t = r.Finished
			}
			if t.IsZero() {
				return false
			}
			return compare(float64(t.UnixMilli()), c.Op, c.Number)
		case "status":
			have = strings.ToUpper(r.Status)
			return textMatch(have, c, strings.EqualFold)
		case "run_id":
			have = r.ID
		case "run_name", "name":
			have = RunName(r, tags)
		case "user_id":
			have = tags["mlflow.user"]
		case "artifact_uri":
			have = r.ArtifactURI
		case "address":
			have = r.Address
		case "workspace":
			have = r.Workspace
		case "fingerprint":
			have = r.Fingerprint
		case "experiment_id":
			have = r.ExperimentID
		}
	}
	if !found {
		return c.Op == "!=" || c.Op == "NOT IN"
	}
	return textMatch(have, c, func(a, b string) bool { return a == b })
}

func textMatch(have string, c Clause, eq func(a, b string) bool) bool {
	switch c.Op {
	case "=":
		return eq(have, c.Value)
	case "!=":
		return !eq(have, c.Value)
	case "LIKE":
		return like(c.Value, false).MatchString(have)
	case "ILIKE":
		return like(c.Value, true).MatchString(have)
	case "IN":
		return slices.ContainsFunc(c.Values, func(v string) bool { return eq(have, v) })
	case "NOT IN":
		return !slices.ContainsFunc(c.Values, func(v string) bool { return eq(have, v) })
	}
	return false
}

// like turns a SQL LIKE pattern (% any, _ one) into a regular expression.
func like(pattern string, fold bool) *regexp.Regexp {
	var b strings.Builder
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func compare(a float64, op string, b float64) bool {
	switch op {
	case "=":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	}
	return false
}

// Param is the text of param key of r (see tracking.ParamString).
func Param(r tracking.Run, key string) (string, bool) {
	if len(r.Params) == 0 {
		return "", false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(r.Params, &obj) != nil {
		return "", false
	}
	v, ok := obj[key]
	if !ok {
		return "", false
	}
	return tracking.ParamString(v), true
}

// RunName is the run's name: its own, else the mlflow.runName tag.
func RunName(r tracking.Run, tags map[string]string) string {
	if r.Name != "" {
		return r.Name
	}
	return tags["mlflow.runName"]
}

// sortRuns orders runs by orders, then newest first; a run without the
// key comes last.
func sortRuns(runs []tracking.Run, orders []Order, tags map[string]map[string]string) {
	slices.SortStableFunc(runs, func(a, b tracking.Run) int {
		for _, o := range orders {
			ka, oka := key(a, o, tags)
			kb, okb := key(b, o, tags)
			if oka != okb {
				if oka {
					return -1
				}
				return 1
			}
			if !oka {
				continue
			}
			c := compareKeys(ka, kb)
			if o.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func key(r tracking.Run, o Order, tags map[string]map[string]string) (any, bool) {
	switch o.Entity {
	case "metrics":
		v, ok := r.Metrics[o.Key]
		return v, ok && !math.IsNaN(v)
	case "params":
		s, ok := Param(r, o.Key)
		if f, err := strconv.ParseFloat(s, 64); ok && err == nil {
			return f, true
		}
		return s, ok
	case "tags":
		s, ok := tags[r.ID][o.Key]
		return s, ok
	}
	switch o.Key {
	case "start_time":
		return float64(r.Started.UnixMilli()), !r.Started.IsZero()
	case "end_time":
		return float64(r.Finished.UnixMilli()), !r.Finished.IsZero()
	case "status":
		return r.Status, true
	case "run_name":
		return RunName(r, tags[r.ID]), true
	}
	return r.ID, true
}

func compareKeys(a, b any) int {
	fa, aok := a.(float64)
	fb, bok := b.(float64)
	switch {
	case aok && bok:
		return cmp.Compare(fa, fb)
	case aok:
		return -1
	case bok:
		return 1
	}
	return strings.Compare(a.(string), b.(string))
}

// MatchExperiment reports whether e meets every clause of f on its name
// (attributes.name) and tags.
func MatchExperiment(f Filter, e tracking.Experiment) bool {
	for _, c := range f.Clauses {
		var have string
		found := true
		switch {
		case c.Entity == "tags":
			have, found = e.Tags[c.Key]
		case c.Entity == "attributes" && c.Key == "name":
			have = e.Name
		default:
			return false
		}
		if !found {
			if c.Op != "!=" && c.Op != "NOT IN" {
				return false
			}
			continue
		}
		if !textMatch(have, c, func(a, b string) bool { return a == b }) {
			return false
		}
	}
	return true
}
