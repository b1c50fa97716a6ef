package registry

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/providers"
)

// versionFacts is a model version as a gate sees it: self.candidate and
// self.current.
type versionFacts struct {
	Version     int64
	RunID       string
	Metrics     map[string]float64
	Params      json.RawMessage
	Fingerprint string
}

// value is {version, run_id, metrics, params, fingerprint}. NaN metrics
// are left out: no number compares with them.
func (f versionFacts) value() cty.Value {
	metrics := map[string]cty.Value{}
	for k, v := range f.Metrics {
		if !math.IsNaN(v) {
			metrics[k] = cty.NumberVal(new(big.Float).SetFloat64(v))
		}
	}
	m := cty.MapValEmpty(cty.Number)
	if len(metrics) > 0 {
		m = cty.MapVal(metrics)
	}
	params := cty.EmptyObjectVal
	if len(f.Params) > 0 {
		if ty, err := ctyjson.ImpliedType(f.Params); err == nil {
			if v, err := ctyjson.Unmarshal(f.Params, ty); err == nil {
				params = v
			}
		}
	}
	return cty.ObjectVal(map[string]cty.Value{
		"version":     cty.NumberIntVal(f.Version),
		"run_id":      cty.StringVal(f.RunID),
		"metrics":     m,
		"params":      params,
		"fingerprint": cty.StringVal(f.Fingerprint),
	})
}

// summary is "version 3 (run 3f2a1b2c): accuracy=0.97 loss=0.11".
func (f *versionFacts) summary() string {
	if f == nil {
		return "none"
	}
	names := make([]string, 0, len(f.Metrics))
	for k := range f.Metrics {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		parts = append(parts, fmt.Sprintf("%s=%s", k, formatNumber(f.Metrics[k])))
	}
	head := fmt.Sprintf("version %d (run %s)", f.Version, shortID(f.RunID))
	if f.Version == 0 {
		head = fmt.Sprintf("the new version (run %s)", shortID(f.RunID))
	}
	if len(parts) == 0 {
		return head + ", no metrics"
	}
	return head + ": " + strings.Join(parts, " ")
}

// selfValue is the value of self in a gate: candidate and current (null
// when the alias points nowhere yet).
func selfValue(candidate versionFacts, current *versionFacts) cty.Value {
	cur := cty.NullVal(cty.DynamicPseudoType)
	if current != nil {
		cur = current.value()
	}
	return cty.ObjectVal(map[string]cty.Value{"candidate": candidate.value(), "current": cur})
}

func intOf(v cty.Value) int {
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		return 0
	}
	i, _ := v.AsBigFloat().Int64()
	return int(i)
}

// gate is one gate block of a model.
type gate struct {
	Index     int
	Condition lang.Deferred
	Message   *lang.Deferred
}

// gatesOf reads the gate blocks of a configuration. When validating
// (mltf validate), the engine hands the conditions over undecoded and
// unknown; at plan and apply each must be an expression.
func gatesOf(config cty.Value, validating bool) ([]gate, providers.Diagnostics) {
	var diags providers.Diagnostics
	v := config.GetAttr("gate")
	if v.IsNull() || !v.IsKnown() {
		return nil, nil
	}
	var out []gate
	i := 0
	for it := v.ElementIterator(); it.Next(); i++ {
		_, b := it.Element()
		path := cty.GetAttrPath("gate").IndexInt(i)
		if validating && (!b.IsKnown() || !b.GetAttr("condition").IsKnown()) {
			continue
		}
		c, ok := lang.DecodeDeferred(b.GetAttr("condition"))
		if !ok {
			// Never skip a gate: an alias would move without it.
			diags = diags.AttrError(path.GetAttr("condition"), "Gate condition not handed over",
				"The registry provider evaluates a gate's condition itself, but it received a value instead of the expression's source. "+
					"The engine hands Expression attributes over as {source, filename, line, column, scope}; a provider protocol that drops the schema's Expression flag loses them. "+
					"Use the mltf binary that serves this provider, and write the condition as an expression, e.g. condition = self.candidate.metrics.accuracy >= 0.9.")
			continue
		}
		g := gate{Index: i, Condition: c}
		if m, ok := lang.DecodeDeferred(b.GetAttr("message")); ok {
			g.Message = &m
		}
		out = append(out, g)
	}
	return out, diags
}

// gateOutcome is the result of one gate for one alias.
type gateOutcome struct {
	Gate    int
	Known   bool // false: the condition depends on values known after apply
	Passed  bool
	Message string
	Values  string
}

// evalGate evaluates g with self. A condition that cannot be evaluated
// is an error naming the file and line.
func evalGate(g gate, self cty.Value, fns map[string]function.Function) (gateOutcome, providers.Diagnostics) {
	var diags providers.Diagnostics
	out := gateOutcome{Gate: g.Index}
	path := cty.GetAttrPath("gate").IndexInt(g.Index).GetAttr("condition")
	expr, ctx, pd := parseExpr(g.Condition, self, fns)
	if pd != "" {
		return out, diags.AttrError(path, "Invalid gate condition", pd)
	}
	v, hd := expr.Value(ctx)
	if hd.HasErrors() {
		hint := ""
		if strings.Contains(g.Condition.Source, "self.current") && strings.Contains(hclErrors(hd), "null") {
			hint = "\n\nself.current is null while the alias points at no version (its first version): guard it, e.g. self.current == null || self.candidate.metrics.accuracy >= self.current.metrics.accuracy."
		}
		return out, diags.AttrError(path, "Gate condition cannot be evaluated",
			fmt.Sprintf("%s: %s\n\ncondition: %s%s", where(g.Condition, hd), hclErrors(hd), g.Condition.Source, hint))
	}
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() {
		return out, nil
	}
	if v.IsNull() {
		return out, diags.AttrError(path, "Gate condition is null",
			fmt.Sprintf("%s: the condition must be true or false, not null.\n\ncondition: %s", g.Condition.Where(), g.Condition.Source))
	}
	b, err := convert.Convert(v, cty.Bool)
	if err != nil {
		return out, diags.AttrError(path, "Gate condition is not a boolean",
			fmt.Sprintf("%s: the condition must be true or false, not %s.\n\ncondition: %s", g.Condition.Where(), v.Type().FriendlyName(), g.Condition.Source))
	}
	out.Known, out.Passed = true, b.True()
	out.Values = comparedValues(expr, ctx)
	out.Message = gateMessage(g, self, fns)
	return out, nil
}

// gateMessage is the gate's message, or a default when it has none or it
// cannot be evaluated.
func gateMessage(g gate, self cty.Value, fns map[string]function.Function) string {
	def := fmt.Sprintf("gate %d (%s) does not hold", g.Index, g.Condition.Where())
	if g.Message == nil {
		return def
	}
	expr, ctx, pd := parseExpr(*g.Message, self, fns)
	if pd != "" {
		return def
	}
	v, hd := expr.Value(ctx)
	if hd.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return def
	}
	v, _ = v.UnmarkDeep()
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return def
	}
	return s.AsString()
}

// parseExpr parses e with lang and returns it with its evaluation
// context, or what is wrong with it.
func parseExpr(e lang.Deferred, self cty.Value, fns map[string]function.Function) (hcl.Expression, *hcl.EvalContext, string) {
	expr, hd := e.Parse()
	if hd.HasErrors() {
		return nil, nil, fmt.Sprintf("%s: %s", where(e, hd), hclErrors(hd))
	}
	return expr, e.Context(self, fns), ""
}

// where is file:line,column of the first error, else of the expression.
func where(e lang.Deferred, ds hcl.Diagnostics) string {
	for _, d := range ds {
		if d.Severity == hcl.DiagError && d.Subject != nil {
			return fmt.Sprintf("%s:%d,%d", e.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
	}
	return e.Where()
}

func hclErrors(ds hcl.Diagnostics) string {
	var parts []string
	for _, d := range ds {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if d.Detail != "" {
			s += ": " + d.Detail
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// comparedValues renders the values of the references of expr that hold
// a number, string or bool: what the condition compared.
func comparedValues(expr hcl.Expression, ctx *hcl.EvalContext) string {
	seen := map[string]bool{}
	var parts []string
	for _, t := range expr.Variables() {
		name := lang.TraversalString(t)
		if seen[name] {
			continue
		}
		seen[name] = true
		v, d := t.TraverseAbs(ctx)
		if d.HasErrors() || !v.IsWhollyKnown() {
			continue
		}
		switch {
		case v.IsNull():
			parts = append(parts, name+" = null")
		case v.Type() == cty.Number:
			f, _ := v.AsBigFloat().Float64()
			parts = append(parts, name+" = "+formatNumber(f))
		case v.Type() == cty.String:
			parts = append(parts, fmt.Sprintf("%s = %q", name, v.AsString()))
		case v.Type() == cty.Bool:
			parts = append(parts, fmt.Sprintf("%s = %t", name, v.True()))
		}
	}
	return strings.Join(parts, ", ")
}

func formatNumber(f float64) string {
	return fmt.Sprintf("%.6g", f)
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// selfFields are the attributes of self.candidate and self.current (see
// versionFacts.value).
var selfFields = []string{"fingerprint", "metrics", "params", "run_id", "version"}

// checkSelf checks the references of a gate's expression to self before
// anything runs: a typo in self.candidate.metrics would otherwise surface
// only after the training the gate waits for.
func checkSelf(g gate, attr string, e lang.Deferred) providers.Diagnostics {
	var diags providers.Diagnostics
	path := cty.GetAttrPath("gate").IndexInt(g.Index).GetAttr(attr)
	expr, hd := e.Parse()
	if hd.HasErrors() {
		return diags.AttrError(path, "Invalid gate "+attr, fmt.Sprintf("%s: %s", where(e, hd), hclErrors(hd)))
	}
	for _, t := range expr.Variables() {
		if t.RootName() != "self" {
			continue
		}
		at := fmt.Sprintf("%s:%d,%d", e.Filename, t.SourceRange().Start.Line, t.SourceRange().Start.Column)
		if len(t) < 2 {
			continue
		}
		first, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		if first.Name != "candidate" && first.Name != "current" {
			diags = diags.AttrError(path, "Unsupported attribute of self in a gate",
				fmt.Sprintf("%s: self has no attribute %q.%s A gate sees self.candidate (the version that would move) and self.current (where the alias points, null at first).",
					at, first.Name, lang.DidYouMean(first.Name, "self.", []string{"candidate", "current"})))
			continue
		}
		if len(t) < 3 {
			continue
		}
		second, ok := t[2].(hcl.TraverseAttr)
		if !ok || slices.Contains(selfFields, second.Name) {
			continue
		}
		diags = diags.AttrError(path, "Unsupported attribute of self in a gate",
			fmt.Sprintf("%s: self.%s has no attribute %q.%s It has %s.", at, first.Name, second.Name,
				lang.DidYouMean(second.Name, "self."+first.Name+".", selfFields), strings.Join(selfFields, ", ")))
	}
	return diags
}
