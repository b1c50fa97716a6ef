package sweep

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/kinds/sweep/search"
	"github.com/mltf/mltf/providers"
)

// Config is a sweep's configuration, decoded.
type Config struct {
	Settings Settings
	// Values are the values of each values parameter, by name.
	Values map[string][]cty.Value
	// Trial is the trial {} block; Pool and Experiment the sweep's own.
	Trial, Pool, Experiment cty.Value
}

func attr(names ...string) cty.Path {
	var p cty.Path
	for _, n := range names {
		p = p.GetAttr(n)
	}
	return p
}

type decoder struct {
	v     cty.Value
	diags providers.Diagnostics
}

func (d *decoder) errorf(p cty.Path, summary, format string, args ...any) {
	d.diags = d.diags.AttrError(p, summary, fmt.Sprintf(format, args...))
}

func (d *decoder) get(p cty.Path) cty.Value {
	v, err := p.Apply(d.v)
	if err != nil {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return v
}

// number reads a whole number, def when null; nil when unknown.
func (d *decoder) count(p cty.Path, def, min int) int {
	v := d.get(p)
	if v.IsNull() || !v.IsKnown() {
		return def
	}
	f, _ := v.AsBigFloat().Float64()
	if f != math.Trunc(f) || f < float64(min) || f > 1e9 {
		d.errorf(p, "Invalid number", "%s must be a whole number of at least %d, not %v.", pathName(p), min, f)
		return def
	}
	return int(f)
}

func (d *decoder) str(p cty.Path, def string) string {
	v := d.get(p)
	if v.IsNull() || !v.IsKnown() || !v.Type().Equals(cty.String) {
		return def
	}
	return v.AsString()
}

func pathName(p cty.Path) string {
	var parts []string
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			parts = append(parts, s.Name)
		case cty.IndexStep:
			if s.Key.Type() == cty.String {
				parts = append(parts, fmt.Sprintf("%q", s.Key.AsString()))
			}
		}
	}
	return strings.Join(parts, ".")
}

// Decode reads a sweep's configuration (a value of Schema's type). Unknown
// values (known after apply) are left at their defaults; the plan decodes
// again once they are known.
func Decode(v cty.Value) (*Config, providers.Diagnostics) {
	d := &decoder{v: v}
	c := &Config{Values: map[string][]cty.Value{}, Trial: d.get(attr("trial")), Pool: d.get(attr("pool")), Experiment: d.get(attr("experiment"))}
	s := &c.Settings
	s.Sampler = d.str(attr("sampler"), "tpe")
	switch s.Sampler {
	case "tpe", "random", "grid":
	default:
		d.errorf(attr("sampler"), "Unknown sampler", `sampler is "tpe", "random" or "grid", not %q.`, s.Sampler)
	}
	s.Seed = uint64(d.count(attr("seed"), 0, 0))
	s.Trials = d.count(attr("trials"), 1, 1)
	s.Parallel = d.count(attr("parallel"), 1, 1)
	s.MaxFailed = d.count(attr("max_failed"), 5, 0)

	s.Metric = d.str(attr("objective", "metric"), "")
	if s.Metric == "" && d.get(attr("objective", "metric")).IsKnown() {
		d.errorf(attr("objective", "metric"), "Missing metric", "objective needs the name of the metric the trials report.")
	}
	switch goal := d.str(attr("objective", "goal"), "maximize"); goal {
	case "maximize":
		s.Goal = search.Maximize
	case "minimize":
		s.Goal = search.Minimize
	default:
		d.errorf(attr("objective", "goal"), "Unknown goal", `goal is "maximize" or "minimize", not %q.`, goal)
	}
	if t := d.get(attr("objective", "target")); !t.IsNull() && t.IsKnown() {
		f, _ := t.AsBigFloat().Float64()
		s.Target = &f
	}

	if es := d.get(attr("early_stopping")); !es.IsNull() {
		s.Rule = d.str(attr("early_stopping", "rule"), "")
		if s.Rule != "asha" && s.Rule != "median" {
			d.errorf(attr("early_stopping", "rule"), "Unknown early-stopping rule", `rule is "asha" or "median", not %q.`, s.Rule)
		}
		s.MinStep = d.count(attr("early_stopping", "min_step"), 1, 1)
		s.ReductionFactor = d.count(attr("early_stopping", "reduction_factor"), 3, 2)
		s.MaxStep = d.count(attr("early_stopping", "max_step"), 0, 1)
	}

	c.decodeParams(d)
	if !d.diags.HasErrors() {
		if _, err := s.Study(); err != nil {
			p := attr("param")
			if s.Sampler == "grid" {
				p = attr("sampler")
			}
			d.errorf(p, "Invalid search space", "%s.", err)
		}
	}
	return c, d.diags
}

// decodeParams reads the param blocks, in the order of their names.
func (c *Config) decodeParams(d *decoder) {
	ps := d.get(attr("param"))
	if ps.IsNull() || !ps.IsKnown() {
		return
	}
	var names []string
	blocks := map[string]cty.Value{}
	for it := ps.ElementIterator(); it.Next(); {
		k, v := it.Element()
		names = append(names, k.AsString())
		blocks[k.AsString()] = v
	}
	sort.Strings(names)
	fixed := d.get(attr("trial", "params"))
	for _, name := range names {
		p := cty.Path{cty.GetAttrStep{Name: "param"}, cty.IndexStep{Key: cty.StringVal(name)}}
		if fixed.IsKnown() && !fixed.IsNull() && (fixed.Type().IsObjectType() || fixed.Type().IsMapType()) {
			if _, ok := fixed.AsValueMap()[name]; ok {
				d.errorf(attr("trial", "params"), "Parameter both fixed and searched",
					"%q is in trial.params and has a param block; remove one of them.", name)
			}
		}
		if par, ok := c.decodeParam(d, p, name, blocks[name]); ok {
			c.Settings.Space = append(c.Settings.Space, par)
		}
	}
}

func (c *Config) decodeParam(d *decoder, p cty.Path, name string, block cty.Value) (search.Param, bool) {
	par := search.Param{Name: name}
	get := func(a string) cty.Value {
		if block.IsNull() || !block.Type().IsObjectType() || !block.Type().HasAttribute(a) {
			return cty.NullVal(cty.DynamicPseudoType)
		}
		return block.GetAttr(a)
	}
	var set []string
	for _, dist := range []string{"uniform", "log_uniform", "int", "values"} {
		if v := get(dist); !v.IsNull() {
			set = append(set, dist)
		}
	}
	if len(set) != 1 {
		d.errorf(p, "Invalid parameter", "param %q needs exactly one of uniform, log_uniform, int, values; it has %d (%s).",
			name, len(set), strings.Join(set, ", "))
		return par, false
	}
	at := append(p.Copy(), cty.GetAttrStep{Name: set[0]})
	v := get(set[0])
	if !v.IsWhollyKnown() {
		return par, false
	}
	step := get("step")
	if !step.IsNull() && step.IsKnown() {
		par.Step, _ = step.AsBigFloat().Float64()
	}
	if set[0] == "values" {
		par.Dist = search.Values
		if !v.Type().IsTupleType() && !v.Type().IsListType() && !v.Type().IsSetType() {
			d.errorf(at, "Invalid values", "values of param %q must be a list, like [32, 64, 128].", name)
			return par, false
		}
		vals := v.AsValueSlice()
		for i, x := range vals {
			t := x.Type()
			if x.IsNull() || !(t == cty.Number || t == cty.String || t == cty.Bool) {
				d.errorf(at, "Invalid values", "value %d of param %q must be a number, a string or a boolean.", i+1, name)
				return par, false
			}
		}
		if par.Step != 0 {
			d.errorf(p, "Invalid parameter", "param %q: step applies to uniform and int, not values.", name)
		}
		par.Choices = len(vals)
		c.Values[name] = vals
	} else {
		vals := v.AsValueSlice()
		if len(vals) != 2 {
			d.errorf(at, "Invalid range", "%s of param %q is [low, high]: two numbers, not %d.", set[0], name, len(vals))
			return par, false
		}
		par.Low, _ = vals[0].AsBigFloat().Float64()
		par.High, _ = vals[1].AsBigFloat().Float64()
		par.Dist = map[string]search.Distribution{"uniform": search.Uniform, "log_uniform": search.LogUniform, "int": search.Int}[set[0]]
	}
	if err := (search.Space{par}).Validate(); err != nil {
		d.errorf(p, "Invalid parameter", "%s.", err)
		return par, false
	}
	return par, true
}

// ParamValues are a trial's parameter values by name, as the trial's code
// receives them.
func (c *Config) ParamValues(coords []float64) map[string]cty.Value {
	out := map[string]cty.Value{}
	for k, p := range c.Settings.Space {
		x := coords[k]
		if p.Dist == search.Values {
			out[p.Name] = c.Values[p.Name][int(x)]
			continue
		}
		out[p.Name] = cty.NumberFloatVal(x)
	}
	return out
}

// TrialConfig is trial coords' configuration of the training kind, whose
// object type is training: the trial {} block with the sweep's pool and
// experiment, and params the fixed ones merged with the sampled ones.
func (c *Config) TrialConfig(training cty.Type, coords []float64) (cty.Value, error) {
	attrs := map[string]cty.Value{}
	for name, t := range training.AttributeTypes() {
		var v cty.Value
		switch {
		case name == "pool":
			v = c.Pool
		case name == "experiment":
			v = c.Experiment
		case c.Trial.Type().IsObjectType() && c.Trial.Type().HasAttribute(name):
			v = c.Trial.GetAttr(name)
		default:
			v = cty.NullVal(t)
		}
		attrs[name] = v
	}
	params := map[string]cty.Value{}
	if fixed := attrs["params"]; !fixed.IsNull() && fixed.IsKnown() {
		if !fixed.Type().IsObjectType() && !fixed.Type().IsMapType() {
			return cty.NilVal, fmt.Errorf("trial.params must be an object")
		}
		for k, v := range fixed.AsValueMap() {
			params[k] = v
		}
	}
	for k, v := range c.ParamValues(coords) {
		params[k] = v
	}
	attrs["params"] = cty.ObjectVal(params)
	// Fit every attribute to its type (dynamic ones stay as they are).
	for name, t := range training.AttributeTypes() {
		if t == cty.DynamicPseudoType {
			continue
		}
		v := attrs[name]
		if v.IsNull() {
			attrs[name] = cty.NullVal(t)
		}
	}
	return cty.ObjectVal(attrs), nil
}

// paramJSON renders a value for descriptions.
func paramJSON(v cty.Value) string {
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return v.GoString()
	}
	return string(b)
}
