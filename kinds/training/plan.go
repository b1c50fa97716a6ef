package training

import (
	"fmt"
	"strings"

	"github.com/mltf/mltf/providers/ctyval"
	"github.com/zclconf/go-cty/cty"
)

// Prior is how a planned training compares with its prior value.
type Prior struct {
	// Facts are the prior value's computed attributes.
	Facts RunFacts
	// Keep says the prior run has the planned fingerprint and is running
	// or finished: the planned value is the configuration with Planned,
	// the prior facts (unknown where a running run will change them).
	Keep    bool
	Running bool
	Planned map[string]cty.Value
	// Otherwise a new run replaces the prior one, for Reasons.
	RequiresReplace []cty.Path
	Reasons         []string
}

// ComparePrior compares the planned inputs in (nil while unknown is not
// empty) and code with a prior value and the inputs and code it was
// planned with (priorIn nil when not kept).
func ComparePrior(prior cty.Value, in *Inputs, code Manifest, priorIn *Inputs, priorCode Manifest, unknown []string) Prior {
	f := FactsOf(prior)
	r := Prior{Facts: f}
	same := in != nil && f.Fingerprint == in.Fingerprint()
	switch {
	case same && f.Status == StatusRunning:
		r.Keep, r.Running = true, true
		r.Planned = PriorFacts(prior)
		unknownFacts := UnknownFacts(cty.StringVal(in.Fingerprint()))
		for _, a := range []string{"status", "metrics", "artifact_uri", "restarts", "finished_at"} {
			r.Planned[a] = unknownFacts[a]
		}
	case same && f.Status == StatusFinished:
		r.Keep = true
		r.Planned = PriorFacts(prior)
	case same:
		r.RequiresReplace = []cty.Path{ctyval.Attr("status")}
		r.Reasons = []string{fmt.Sprintf("run %s… %s; a new run starts", Short(f.RunID), f.Status)}
	case in == nil:
		r.RequiresReplace = []cty.Path{ctyval.Attr("fingerprint")}
		r.Reasons = []string{fmt.Sprintf("fingerprint known after apply (%s not known yet)", strings.Join(unknown, ", "))}
	default:
		r.RequiresReplace = []cty.Path{ctyval.Attr("fingerprint")}
		if priorIn != nil {
			r.Reasons = ChangeReasons(priorIn, in, priorCode, code)
		}
		if len(r.Reasons) == 0 {
			r.Reasons = []string{fmt.Sprintf("fingerprint %s -> %s", Short(f.Fingerprint), Short(in.Fingerprint()))}
		}
	}
	return r
}

// ReuseReason is the plan's reason for adopting a finished run.
func ReuseReason(runID string) string {
	return fmt.Sprintf("reuses finished run %s… with the same fingerprint", Short(runID))
}

// InputsErrorPath is the attribute an error of PlanInputs points at.
func InputsErrorPath(err error) cty.Path {
	if strings.HasPrefix(err.Error(), "data.") {
		return ctyval.Attr("data")
	}
	return ctyval.Attr("code")
}
