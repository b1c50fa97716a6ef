package pipeline

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
)

// Step statuses as state records them.
const (
	StatusFinished = "finished" // outputs known: run now or earlier, or found in the cache
	StatusRunning  = "running"  // launched; the next apply re-attaches to it
	StatusFailed   = "failed"
	StatusSkipped  = "skipped" // not run because a step it reads from failed
)

// Private is what state keeps of a pipeline beside its value.
type Private struct {
	Steps map[string]*Record `json:"steps"`
	// Order lists the steps so that each follows those it reads from.
	Order []string `json:"order,omitempty"`
	// Code are the manifests of the steps' code directories by their sum,
	// to say which files changed.
	Code map[string]training.Manifest `json:"code,omitempty"`
	// Applies are the last applies that ran the pipeline, newest last.
	Applies []Apply `json:"applies,omitempty"`
}

// Record is one step as the last apply left it.
type Record struct {
	Key string `json:"key"`
	// Parts are the key's parts, for the reasons of the next plan.
	Parts    Key              `json:"parts"`
	Versions map[string]int64 `json:"versions,omitempty"` // dataset versions of the inputs
	Status   string           `json:"status"`
	// Cached says the outputs came from an earlier run of the same key
	// (CachedFrom), not from a run of this apply.
	Cached  bool              `json:"cached,omitempty"`
	RunID   string            `json:"run_id,omitempty"`
	Outputs map[string]string `json:"outputs,omitempty"` // file -> SHA-256
	// Started and Finished bound the step's run; zero for a cache hit.
	Started  time.Time      `json:"started,omitempty"`
	Finished time.Time      `json:"finished,omitempty"`
	Restarts map[string]int `json:"restarts,omitempty"`
	// Locator is the run flow's private data of the step's run, to
	// re-attach to it.
	Locator json.RawMessage `json:"locator,omitempty"`
	// ScheduledTime is MLTF_SCHEDULED_TIME of the run, so that a re-attach
	// launches the very same configuration.
	ScheduledTime string `json:"scheduled_time,omitempty"`
	// Detail says why a step failed or was skipped: cause and last lines.
	Detail string `json:"detail,omitempty"`
}

// Apply is one apply of the pipeline that ran steps.
type Apply struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// ScheduledTime is the tick of a scheduled run, empty for an apply
	// someone typed.
	ScheduledTime string `json:"scheduled_time,omitempty"`
	Ran           int    `json:"ran"`
	Cached        int    `json:"cached"`
	Failed        int    `json:"failed"`
	Status        string `json:"status"`
}

// maxApplies is how many applies Private keeps.
const maxApplies = 20

// Duration is how long the step's run took; zero for a cache hit.
func (r *Record) Duration() time.Duration {
	if r.Started.IsZero() || r.Finished.IsZero() {
		return 0
	}
	return r.Finished.Sub(r.Started)
}

// Encode is the JSON of p.
func (p Private) Encode() []byte {
	b, _ := json.Marshal(p)
	return b
}

// DecodePrivate reads private data; empty data is the zero value.
func DecodePrivate(b []byte) (Private, error) {
	p := Private{Steps: map[string]*Record{}}
	if len(b) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Private{Steps: map[string]*Record{}}, fmt.Errorf("the pipeline's recorded steps are unreadable: %w", err)
	}
	if p.Steps == nil {
		p.Steps = map[string]*Record{}
	}
	return p, nil
}

// facts are the computed attributes: known for the finished steps of
// recs, unknown for the steps of c that will run (nil records), absent
// for the others.
func facts(c *Config, recs map[string]*Record, base string, partial bool) map[string]cty.Value {
	outs := map[string]cty.Value{}
	steps := map[string]cty.Value{}
	for _, name := range c.Order {
		s := c.Steps[name]
		r := recs[name]
		switch {
		case r != nil && r.Status == StatusFinished:
			o := map[string]cty.Value{}
			for _, f := range s.Outputs {
				sum := r.Outputs[f]
				o[f] = cty.StringVal(sum)
				outs[name+"."+f] = cty.StringVal(base + "/" + OutputKey(sum, f))
			}
			steps[name] = cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(r.Key), "run_id": cty.StringVal(r.RunID), "outputs": strMap(o)})
		case partial:
			// Not finished yet: absent from a partial state.
		default:
			for _, f := range s.Outputs {
				outs[name+"."+f] = cty.UnknownVal(cty.String)
			}
			steps[name] = cty.UnknownVal(stepFactsType)
		}
	}
	ret := map[string]cty.Value{"outputs": strMap(outs), "steps": cty.MapValEmpty(stepFactsType)}
	if len(steps) > 0 {
		ret["steps"] = cty.MapVal(steps)
	}
	return ret
}

func strMap(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.MapValEmpty(cty.String)
	}
	return cty.MapVal(m)
}
