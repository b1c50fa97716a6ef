package sweep

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/sweep/search"
)

// Private is what a sweep keeps in its instance's private data: its study
// and its trials, with what it takes to show them without the
// configuration (mltf sweeps show and plot).
type Private struct {
	Spec   Spec     `json:"spec"`
	Metric string   `json:"metric"`
	Goal   string   `json:"goal"`
	Trials int      `json:"trials"` // how many the configuration asks for
	Params []string `json:"params"` // names, in space order
	// Values are the values of values parameters, by name, as JSON.
	Values  map[string][]json.RawMessage `json:"values,omitempty"`
	Records []Record                     `json:"records"`
}

// NewPrivate starts the private data of a sweep.
func (c *Config) NewPrivate(spec Spec, recs []Record) Private {
	p := Private{Spec: spec, Metric: c.Settings.Metric, Goal: c.Settings.Goal.String(), Trials: c.Settings.Trials,
		Values: map[string][]json.RawMessage{}, Records: recs}
	for _, par := range c.Settings.Space {
		p.Params = append(p.Params, par.Name)
		for _, v := range c.Values[par.Name] {
			p.Values[par.Name] = append(p.Values[par.Name], json.RawMessage(paramJSON(v)))
		}
	}
	return p
}

// Encode returns the private data's bytes.
func (p Private) Encode() []byte {
	b, _ := json.Marshal(p)
	return b
}

// DecodePrivate reads private data; empty data is an empty Private.
func DecodePrivate(b []byte) (Private, error) {
	var p Private
	if len(b) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("the sweep's recorded trials cannot be read: %w", err)
	}
	return p, nil
}

// GoalOf is the private data's goal.
func (p Private) GoalOf() search.Goal {
	if p.Goal == "minimize" {
		return search.Minimize
	}
	return search.Maximize
}

// Ranked returns the trials as mltf sweeps show lists them: complete
// first, best value first; then pruned (by value), running and failed.
func (p Private) Ranked() []Record {
	rank := map[string]int{"complete": 0, "pruned": 1, "running": 2, "failed": 3}
	maximize := p.GoalOf() == search.Maximize
	out := slices.Clone(p.Records)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.State] != rank[b.State] {
			return rank[a.State] < rank[b.State]
		}
		if a.Value != nil && b.Value != nil && *a.Value != *b.Value {
			return (*a.Value > *b.Value) == maximize
		}
		return a.Number < b.Number
	})
	return out
}

// Param is trial r's value of parameter k, as JSON text.
func (p Private) Param(r Record, k int) string {
	if k >= len(r.Params) {
		return ""
	}
	if vals, ok := p.Values[p.Params[k]]; ok {
		if i := int(r.Params[k]); i >= 0 && i < len(vals) {
			return string(vals[i])
		}
	}
	return strconv.FormatFloat(r.Params[k], 'g', 6, 64)
}

// Facts are the sweep's computed attributes from its records.
func (c *Config) Facts(spec Spec, recs []Record) map[string]cty.Value {
	sum := Summarize(recs, c.Settings.Goal)
	best := cty.NullVal(bestType())
	if b := sum.Best; b != nil {
		params := map[string]cty.Value{}
		for k, v := range c.ParamValues(b.Params) {
			params[k] = v
		}
		metrics := map[string]cty.Value{}
		for k, v := range b.Metrics {
			metrics[k] = cty.NumberFloatVal(v)
		}
		m := cty.MapValEmpty(cty.Number)
		if len(metrics) > 0 {
			m = cty.MapVal(metrics)
		}
		best = cty.ObjectVal(map[string]cty.Value{
			"number": cty.NumberIntVal(int64(b.Number)), "run_id": cty.StringVal(b.RunID),
			"value": cty.NumberFloatVal(*b.Value), "params": cty.ObjectVal(params), "metrics": m,
		})
	}
	return map[string]cty.Value{
		"study":         cty.StringVal(spec.ID()),
		"trials_done":   cty.NumberIntVal(int64(sum.Done)),
		"trials_pruned": cty.NumberIntVal(int64(sum.Pruned)),
		"trials_failed": cty.NumberIntVal(int64(sum.Failed)),
		"best":          best,
	}
}
