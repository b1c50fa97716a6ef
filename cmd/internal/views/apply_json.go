package views

import (
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
)

// ApplyJSON is the machine-readable UI of mltf apply -json and mltf
// destroy -json: one JSON object per line, as Terraform's, plus mltf's
// run_progress and metric messages. docs/json-format.md describes it.
type ApplyJSON struct {
	w   io.Writer
	now func() time.Time

	mu      sync.Mutex
	started map[string]time.Time
	clock   stepClock
}

// NewApplyJSON returns the JSON lines view writing to w.
func NewApplyJSON(w io.Writer) *ApplyJSON {
	return &ApplyJSON{w: w, now: time.Now, started: map[string]time.Time{}}
}

type jsonResource struct {
	Addr         string `json:"addr"`
	ResourceType string `json:"resource_type"`
	ResourceName string `json:"resource_name"`
	ResourceKey  any    `json:"resource_key"`
	Provider     string `json:"provider"`
	// Deposed is the deposed key of a deposed object being destroyed.
	Deposed string `json:"deposed,omitempty"`
}

func resourceOf(c *plan.Change) jsonResource {
	r := jsonResource{Addr: c.Addr.String(), ResourceType: c.Addr.Resource.Kind, ResourceName: c.Addr.Resource.Name, Provider: c.Provider, Deposed: c.Deposed}
	if c.Addr.Key != "" {
		if n, err := strconv.Atoi(string(c.Addr.Key)); err == nil {
			r.ResourceKey = n
		} else if s, err := strconv.Unquote(string(c.Addr.Key)); err == nil {
			r.ResourceKey = s
		}
	}
	return r
}

func actionWord(a plan.Action) string {
	if a.IsReplace() {
		return "replace"
	}
	acts := actions(a)
	return acts[0]
}

// emit writes one message line.
func (v *ApplyJSON) emit(level, typ, message string, fields map[string]any) {
	m := map[string]any{
		"@level":     level,
		"@message":   message,
		"@module":    "mltf.ui",
		"@timestamp": v.now().UTC().Format(time.RFC3339Nano),
		"type":       typ,
	}
	for k, val := range fields {
		m[k] = val
	}
	b, _ := json.Marshal(m)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.w.Write(append(b, '\n'))
}

// Version is the first message: which mltf and which UI format.
func (v *ApplyJSON) Version(mltf string) {
	v.emit("info", "version", "mltf "+mltf, map[string]any{"mltf": mltf, "ui": JSONFormatVersion})
}

// PlannedChanges sends a planned_change message for every change.
func (v *ApplyJSON) PlannedChanges(cs *plan.Changeset) {
	for _, c := range cs.Changes {
		if c.Action == plan.NoOp {
			continue
		}
		ch := map[string]any{"resource": resourceOf(c), "action": actionWord(c.Action)}
		if len(c.Reasons) > 0 {
			ch["reasons"] = c.Reasons
		}
		v.emit("info", "planned_change", c.Key()+": Plan to "+actionWord(c.Action), map[string]any{"change": ch})
	}
}

func (v *ApplyJSON) Started(c *plan.Change) {
	v.mu.Lock()
	v.started[c.Key()] = v.now()
	v.mu.Unlock()
	verb, _ := verb(c.Action)
	v.emit("info", "apply_start", c.Key()+": "+verb, map[string]any{
		"hook": map[string]any{"resource": resourceOf(c), "action": actionWord(c.Action)},
	})
}

func (v *ApplyJSON) elapsed(c *plan.Change) float64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now().Sub(v.started[c.Key()]).Round(time.Millisecond).Seconds()
}

func (v *ApplyJSON) Event(c *plan.Change, ev providers.Event) {
	switch {
	case ev.Type == providers.EventProgress && ev.Progress != nil:
		p := ev.Progress
		hook := map[string]any{
			"resource": resourceOf(c), "action": actionWord(c.Action),
			"message": p.Message, "elapsed_seconds": p.Elapsed.Round(time.Millisecond).Seconds(),
		}
		if p.Step > 0 {
			hook["step"] = p.Step
		}
		if p.Total > 0 {
			hook["total"] = p.Total
		}
		if len(p.Metrics) > 0 {
			hook["metrics"] = p.Metrics
		}
		v.emit("info", "run_progress", c.Key()+": "+ProgressText(p, v.clock.eta(c.Key(), p)), map[string]any{"hook": hook})
	case ev.Type == providers.EventMetric && ev.Metric != nil:
		m := ev.Metric
		v.emit("info", "metric", c.Key()+": "+m.Name+" = "+strconv.FormatFloat(m.Value, 'g', -1, 64), map[string]any{
			"metric": map[string]any{"resource": resourceOf(c), "name": m.Name, "step": m.Step, "value": m.Value},
		})
	}
}

func (v *ApplyJSON) Finished(c *plan.Change, diags hcl.Diagnostics) {
	hook := map[string]any{"resource": resourceOf(c), "action": actionWord(c.Action), "elapsed_seconds": v.elapsed(c)}
	switch {
	case plan.Detached(diags):
		hook["detached"] = true
		v.emit("info", "apply_progress", c.Key()+": detached, still running", map[string]any{"hook": hook})
	case diags.HasErrors():
		v.emit("error", "apply_errored", c.Key()+": failed", map[string]any{"hook": hook})
	default:
		_, done := verb(c.Action)
		v.emit("info", "apply_complete", c.Key()+": "+done, map[string]any{"hook": hook})
	}
}

// Diagnostics sends one diagnostic message per diagnostic.
func (v *ApplyJSON) Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	for i, d := range JSONDiagnostics(diags, files) {
		level := "error"
		if diags[i].Severity == hcl.DiagWarning {
			level = "warn"
		}
		v.emit(level, "diagnostic", d.Summary, map[string]any{"diagnostic": d})
	}
}

// ChangeSummary sends the counts of what was done.
func (v *ApplyJSON) ChangeSummary(s plan.Summary, destroy bool) {
	op := "apply"
	msg := "Apply complete! Resources: " + strconv.Itoa(s.Add) + " added, " + strconv.Itoa(s.Change) + " changed, " + strconv.Itoa(s.Destroy) + " destroyed."
	if destroy {
		op = "destroy"
		msg = "Destroy complete! Resources: " + strconv.Itoa(s.Destroy) + " destroyed."
	}
	v.emit("info", "change_summary", msg, map[string]any{
		"changes": map[string]any{"add": s.Add, "change": s.Change, "remove": s.Destroy, "operation": op},
	})
}

// JSONOutput is one output of an outputs message.
type JSONOutput struct {
	Sensitive bool
	Value     cty.Value // cty.NilVal when it cannot be shown
}

// Outputs sends the outputs; sensitive values are left out.
func (v *ApplyJSON) Outputs(outs map[string]JSONOutput) {
	names := make([]string, 0, len(outs))
	for n := range outs {
		names = append(names, n)
	}
	sort.Strings(names)
	m := map[string]any{}
	for _, n := range names {
		o := outs[n]
		entry := map[string]any{"sensitive": o.Sensitive}
		if !o.Sensitive && o.Value != cty.NilVal {
			val, _ := knownJSON(o.Value)
			ty, _ := o.Value.Type().MarshalJSON()
			entry["value"], entry["type"] = val, json.RawMessage(ty)
		}
		m[n] = entry
	}
	v.emit("info", "outputs", "Outputs: "+strconv.Itoa(len(outs)), map[string]any{"outputs": m})
}
