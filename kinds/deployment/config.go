package deployment

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
)

// Config is a deployment's configuration, decoded.
type Config struct {
	// Model is the registered model's name; Alias or Version says which
	// of its versions to serve.
	Model   string
	Alias   string
	Version int64 // pinned, 0: follow Alias
	// Target is the version to serve, 0 while unknown (the model changes
	// in the same apply).
	Target int64

	Pool     cty.Value
	Replicas int
	Listen   string
	Worker   []string
	// Image is the workers' container image on Kubernetes.
	Image string
	// MilliCPUs, Memory (as written; a provider checks its format) and
	// GPUs are what each worker needs; zero: unsaid.
	MilliCPUs int64
	Memory    string
	GPUs      int

	MaxBatchSize int
	MaxLatency   time.Duration

	Strategy  Strategy
	Autoscale *Autoscale
}

// Strategy is the rollout strategy and its analysis.
type Strategy struct {
	Name           string // canary, blue_green, shadow, all_at_once
	Steps          []int
	Interval       time.Duration
	RollbackWindow time.Duration
	Percent        int
	Analysis       Analysis
}

// Analysis are the bounds a new version must keep to; zero: unbounded.
type Analysis struct {
	MaxErrorRate  *float64
	MaxP99        time.Duration
	MaxInputDrift *float64
	MinRequests   int
}

// Autoscale bounds the workers of a version on Kubernetes.
type Autoscale struct {
	Min, Max  int
	TargetCPU int
	TargetRPS int
}

// Decode reads a deployment's configuration. Unknown values (known after
// apply) keep their defaults; Target is 0 while unknown.
func Decode(v cty.Value) (*Config, providers.Diagnostics) {
	d := &ctyval.Decoder{V: v}
	a := ctyval.Attr
	c := &Config{Pool: d.Get(a("pool"))}
	c.Alias = d.Str(a("alias"), "")
	c.Version = int64(d.Count(a("version"), 0, 1))
	c.Replicas = d.Count(a("replicas"), 1, 1)
	c.Listen = d.Str(a("listen"), "127.0.0.1:8080")
	c.Worker = d.StrList(a("worker"))
	c.Image = d.Str(a("image"), "")
	c.MilliCPUs = decodeCPUs(d)
	c.Memory = d.Str(a("memory"), "")
	c.GPUs = d.Count(a("gpus"), 0, 0)
	c.MaxBatchSize = d.Count(a("batching", "max_batch_size"), 32, 1)
	c.MaxLatency = d.Duration(a("batching", "max_latency"), 5*time.Millisecond)

	m := d.Get(a("model"))
	switch {
	case !m.IsKnown():
	case m.IsNull() || !m.Type().IsObjectType() || !m.Type().HasAttribute("aliases_at") || !m.Type().HasAttribute("name"):
		d.Errorf(a("model"), "Invalid model", "model must be a model resource, e.g. model = model.digits.")
	default:
		if n := m.GetAttr("name"); n.IsKnown() && !n.IsNull() {
			c.Model = n.AsString()
		}
	}
	if c.Alias == "" && c.Version == 0 && d.Get(a("alias")).IsKnown() && d.Get(a("version")).IsKnown() {
		d.Errorf(a("alias"), "Nothing to serve", `Say which version to serve: alias = "production" (the version the alias points at) or version = N.`)
	}
	c.Target = c.Version
	if c.Target == 0 && c.Alias != "" && m.IsKnown() && !m.IsNull() && m.Type().IsObjectType() && m.Type().HasAttribute("aliases_at") {
		at := m.GetAttr("aliases_at")
		switch {
		case !at.IsKnown():
		case at.IsNull() || !at.Type().IsMapType() && !at.Type().IsObjectType():
		default:
			vm := at.AsValueMap()
			if x, ok := vm[c.Alias]; ok && x.IsKnown() && !x.IsNull() {
				i, _ := x.AsBigFloat().Int64()
				c.Target = i
			} else if ok {
				// unknown: known after apply
			} else if m.GetAttr("aliases_at").IsWhollyKnown() {
				d.Errorf(a("alias"), "Alias points nowhere",
					"alias %q of model %s points at no version yet (it has %s). A version gets an alias when it passes the model's gates; declare the alias in the model's aliases.", c.Alias, c.Model, aliasList(vm))
			}
		}
	}
	c.Strategy = decodeStrategy(d)
	if as := d.Get(a("autoscale")); as.IsKnown() && !as.IsNull() {
		c.Autoscale = &Autoscale{Min: d.Count(a("autoscale", "min"), 1, 1), Max: d.Count(a("autoscale", "max"), 1, 1),
			TargetCPU: d.Count(a("autoscale", "target_cpu"), 0, 1), TargetRPS: d.Count(a("autoscale", "target_rps"), 0, 1)}
		if c.Autoscale.Max < c.Autoscale.Min {
			d.Errorf(a("autoscale", "max"), "Invalid autoscale", "autoscale.max (%d) is below autoscale.min (%d).", c.Autoscale.Max, c.Autoscale.Min)
		}
		if c.Autoscale.TargetCPU == 0 && c.Autoscale.TargetRPS == 0 {
			c.Autoscale.TargetCPU = 70
		}
	}
	return c, d.Diags
}

// decodeCPUs reads cpus as thousandths of a core: 0.5 is 500.
func decodeCPUs(d *ctyval.Decoder) int64 {
	v := d.Get(ctyval.Attr("cpus"))
	if !v.IsKnown() || v.IsNull() {
		return 0
	}
	f, _ := v.AsBigFloat().Float64()
	m := math.Round(f * 1000)
	if f <= 0 || math.Abs(m-f*1000) > 1e-6 {
		d.Errorf(ctyval.Attr("cpus"), "Invalid cpus", "cpus is the CPUs of each worker, above 0 in steps of 0.001 (0.5 is half a core), not %g.", f)
		return 0
	}
	return int64(m)
}

func aliasList(vm map[string]cty.Value) string {
	if len(vm) == 0 {
		return "no aliases"
	}
	var names []string
	for k := range vm {
		names = append(names, fmt.Sprintf("%q", k))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func decodeStrategy(d *ctyval.Decoder) Strategy {
	st := Strategy{Name: "all_at_once", Steps: []int{5, 25, 50, 100}, Interval: time.Minute, RollbackWindow: 5 * time.Minute, Percent: 100}
	st.Analysis.MinRequests = 20
	m := d.Get(ctyval.Attr("strategy"))
	if !m.IsKnown() || m.IsNull() || m.LengthInt() == 0 {
		return st
	}
	vm := m.AsValueMap()
	if len(vm) > 1 {
		var names []string
		for k := range vm {
			names = append(names, k)
		}
		sort.Strings(names)
		d.Errorf(ctyval.Attr("strategy"), "More than one strategy", "A deployment has one strategy block; this one has %s.", strings.Join(names, ", "))
		return st
	}
	for name := range vm {
		st.Name = name
	}
	p := func(names ...string) cty.Path {
		return append(cty.GetAttrPath("strategy").Index(cty.StringVal(st.Name)), ctyval.Attr(names...)...)
	}
	known := false
	for _, s := range Strategies {
		known = known || s == st.Name
	}
	if !known {
		d.Errorf(p(), "Unknown strategy", `strategy %q: a strategy is "canary", "blue_green", "shadow" or "all_at_once".`, st.Name)
		return st
	}
	st.Interval = d.Duration(p("interval"), st.Interval)
	st.RollbackWindow = d.Duration(p("rollback_window"), st.RollbackWindow)
	st.Percent = d.Count(p("percent"), 100, 1)
	if st.Percent > 100 {
		d.Errorf(p("percent"), "Invalid percent", "percent is at most 100, not %d.", st.Percent)
	}
	if steps := d.Get(p("steps")); steps.IsKnown() && !steps.IsNull() {
		st.Steps = nil
		prev := 0
		for it := steps.ElementIterator(); it.Next(); {
			_, x := it.Element()
			f, acc := x.AsBigFloat().Int64()
			if acc != big.Exact || f <= int64(prev) || f > 100 {
				d.Errorf(p("steps"), "Invalid steps", "steps are whole percentages rising from above 0 to at most 100, like [5, 25, 50, 100]; got %s.", formatSteps(steps))
				break
			}
			prev = int(f)
			st.Steps = append(st.Steps, prev)
		}
		if len(st.Steps) > 0 && st.Steps[len(st.Steps)-1] != 100 {
			st.Steps = append(st.Steps, 100)
		}
	}
	an := &st.Analysis
	if v := d.Get(p("analysis", "max_error_rate")); v.IsKnown() && !v.IsNull() {
		f, _ := v.AsBigFloat().Float64()
		if f < 0 || f > 1 {
			d.Errorf(p("analysis", "max_error_rate"), "Invalid error rate", "max_error_rate is a share between 0 and 1 (0.01 is 1%%), not %g.", f)
		}
		an.MaxErrorRate = &f
	}
	if v := d.Get(p("analysis", "max_input_drift")); v.IsKnown() && !v.IsNull() {
		f, _ := v.AsBigFloat().Float64()
		if f <= 0 {
			d.Errorf(p("analysis", "max_input_drift"), "Invalid drift bound", "max_input_drift is a PSI above 0 (0.2 is the usual alarm), not %g.", f)
		}
		an.MaxInputDrift = &f
	}
	an.MaxP99 = d.Duration(p("analysis", "max_p99"), 0)
	an.MinRequests = d.Count(p("analysis", "min_requests"), 20, 1)
	return st
}

func formatSteps(v cty.Value) string {
	var parts []string
	for it := v.ElementIterator(); it.Next(); {
		_, x := it.Element()
		parts = append(parts, x.AsBigFloat().Text('g', 6))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Describe says how the strategy rolls out, for plans: "canary 5% -> 25%
// -> 50% -> 100%, 1m each, rolls back if error rate > 1% or p99 > 100ms".
func (s Strategy) Describe() string {
	var b strings.Builder
	switch s.Name {
	case "canary":
		var steps []string
		for _, p := range s.Steps {
			steps = append(steps, fmt.Sprintf("%d%%", p))
		}
		fmt.Fprintf(&b, "canary %s, %s each", strings.Join(steps, " -> "), shortDuration(s.Interval))
	case "blue_green":
		fmt.Fprintf(&b, "blue-green: preview for %s, then all traffic at once; the old version kept %s", shortDuration(s.Interval), shortDuration(s.RollbackWindow))
	case "shadow":
		fmt.Fprintf(&b, "shadow: %d%% of requests mirrored for %s, then all traffic at once", s.Percent, shortDuration(s.Interval))
	default:
		return "all at once, once the new version is ready"
	}
	if bounds := s.Analysis.bounds(); bounds != "" {
		b.WriteString(", rolls back if " + bounds)
	}
	return b.String()
}

func (a Analysis) bounds() string {
	var out []string
	if a.MaxErrorRate != nil {
		out = append(out, "error rate > "+percent(*a.MaxErrorRate))
	}
	if a.MaxP99 > 0 {
		out = append(out, "p99 > "+shortDuration(a.MaxP99))
	}
	if a.MaxInputDrift != nil {
		out = append(out, fmt.Sprintf("input drift > %g", *a.MaxInputDrift))
	}
	return strings.Join(out, " or ")
}

func percent(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.2f", f*100), "0"), ".0") + "%"
}

func shortDuration(d time.Duration) string {
	s := d.String()
	for _, suf := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(s, suf) {
			s = strings.TrimSuffix(s, "0s")
			s = strings.TrimSuffix(s, "0m")
		}
	}
	return s
}
