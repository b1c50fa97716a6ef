package plan

import (
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// sensitiveMark marks values derived from sensitive variables.
const sensitiveMark = "sensitive"

// hidden is what every human rendering shows instead of a sensitive value.
const hidden = "(sensitive value)"

// markPaths marks the values of v at paths as sensitive. Providers receive
// and return unmarked values, so the engine puts the configuration's marks
// back on what they plan and apply: a provider cannot drop them. A path
// through an unknown or null value marks that value whole.
func markPaths(v cty.Value, paths []cty.Path) cty.Value {
	for _, p := range paths {
		v = markAt(v, p)
	}
	return v
}

func markAt(v cty.Value, p cty.Path) cty.Value {
	if v == cty.NilVal {
		return v
	}
	if len(p) == 0 || !v.IsKnown() || v.IsNull() {
		return v.Mark(sensitiveMark)
	}
	u, marks := v.Unmark()
	ty := u.Type()
	name, isName := schema.StepName(p[0])
	idx, isIdx := schema.StepIndex(p[0])
	switch {
	case ty.IsObjectType() && isName:
		if !ty.HasAttribute(name) {
			return v
		}
		m := u.AsValueMap()
		m[name] = markAt(m[name], p[1:])
		return cty.ObjectVal(m).WithMarks(marks)
	case ty.IsMapType() && isName:
		m := u.AsValueMap()
		ev, ok := m[name]
		if !ok {
			return v
		}
		m[name] = markAt(ev, p[1:])
		return cty.MapVal(m).WithMarks(marks)
	case (ty.IsListType() || ty.IsTupleType()) && isIdx:
		s := u.AsValueSlice()
		if idx < 0 || idx >= len(s) {
			return v
		}
		s[idx] = markAt(s[idx], p[1:])
		if ty.IsListType() {
			return cty.ListVal(s).WithMarks(marks)
		}
		return cty.TupleVal(s).WithMarks(marks)
	case ty.IsSetType():
		return v.Mark(sensitiveMark) // set elements have no path of their own
	}
	return v
}

// unmarkSensitive returns v without its marks and where it held marked
// values, with the paths of more, each path once: one walk of v.
func unmarkSensitive(v cty.Value, more ...[]cty.Path) (cty.Value, []cty.Path) {
	var out []cty.Path
	if v != cty.NilVal && hasMarks(v) {
		var pvm []cty.PathValueMarks
		v, pvm = v.UnmarkDeepWithPaths()
		for _, m := range pvm {
			out = append(out, m.Path)
		}
	}
	for _, ps := range more {
		out = append(out, ps...)
	}
	return v, uniquePaths(out)
}

func uniquePaths(ps []cty.Path) []cty.Path {
	var out []cty.Path
	for _, p := range ps {
		if !slices.ContainsFunc(out, p.Equals) {
			out = append(out, p)
		}
	}
	return out
}

// hasMarks says whether v or anything in it is marked. Unlike
// cty.Value.ContainsMarked it builds no paths: most values have no marks,
// and this runs for every instance.
func hasMarks(v cty.Value) bool {
	if v.IsMarked() {
		return true
	}
	if !v.IsKnown() || v.IsNull() {
		return false
	}
	ty := v.Type()
	switch {
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if hasMarks(v.GetAttr(name)) {
				return true
			}
		}
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType() || ty.IsMapType():
		for it := v.ElementIterator(); it.Next(); {
			if _, ev := it.Element(); hasMarks(ev) {
				return true
			}
		}
	}
	return false
}

// minMasked is the shortest sensitive value masked in free text: shorter
// ones ("1", "on") would mask ordinary words and numbers.
const minMasked = 4

// masker replaces exact occurrences of sensitive values in text the
// engine passes on: provider diagnostics, log lines and progress messages.
type masker struct {
	r *strings.Replacer
}

// newMasker collects the sensitive primitive values of v (every value at
// or under a marked path) and masks them.
func newMasker(vs ...cty.Value) *masker {
	var secrets []string
	for _, v := range vs {
		collectMarked(v, false, &secrets)
	}
	if len(secrets) == 0 {
		return &masker{}
	}
	// Longest first, so that a secret containing another is masked whole.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	secrets = slices.Compact(secrets)
	var pairs []string
	for _, s := range secrets {
		pairs = append(pairs, s, hidden)
	}
	return &masker{r: strings.NewReplacer(pairs...)}
}

func collectMarked(v cty.Value, under bool, out *[]string) {
	if v == cty.NilVal {
		return
	}
	u, marks := v.Unmark()
	under = under || len(marks) > 0
	if !u.IsKnown() || u.IsNull() {
		return
	}
	ty := u.Type()
	switch {
	case ty == cty.String:
		if under && len(u.AsString()) >= minMasked {
			*out = append(*out, u.AsString())
		}
	case ty == cty.Number:
		if !under {
			return
		}
		if s := u.AsBigFloat().Text('g', -1); len(s) >= minMasked {
			*out = append(*out, s)
		}
	case ty.IsObjectType():
		// By the type's attributes: an object's element iterator sorts
		// its names into a new slice, for every object of every plan.
		for name := range ty.AttributeTypes() {
			collectMarked(u.GetAttr(name), under, out)
		}
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType() || ty.IsMapType():
		for it := u.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			collectMarked(ev, under, out)
		}
	}
}

func (m *masker) text(s string) string {
	if m == nil || m.r == nil {
		return s
	}
	return m.r.Replace(s)
}

func (m *masker) diags(ds hcl.Diagnostics) hcl.Diagnostics {
	if m == nil || m.r == nil {
		return ds
	}
	for _, d := range ds {
		d.Summary, d.Detail = m.text(d.Summary), m.text(d.Detail)
	}
	return ds
}

// event masks the text an event carries.
func (m *masker) event(ev providers.Event) providers.Event {
	if m == nil || m.r == nil {
		return ev
	}
	if ev.Log != nil {
		l := *ev.Log
		l.Line = m.text(l.Line)
		ev.Log = &l
	}
	if ev.Progress != nil {
		p := *ev.Progress
		p.Message = m.text(p.Message)
		ev.Progress = &p
	}
	return ev
}

func maskAll(m *masker, ss []string) []string {
	for i, s := range ss {
		ss[i] = m.text(s)
	}
	return ss
}

// variablesMasker masks the values of the sensitive variables: the
// language's own messages (a validation's error_message, a function's
// complaint about its argument) quote values as they are.
func variablesMasker(cfg *lang.Config, vars map[string]cty.Value) *masker {
	var vs []cty.Value
	for name, v := range vars {
		if decl, ok := cfg.Variables[name]; ok && decl.Sensitive && v != cty.NilVal {
			vs = append(vs, v.Mark(sensitiveMark))
		}
	}
	return newMasker(vs...)
}
