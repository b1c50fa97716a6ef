package views

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

// valueRenderer prints cty values as HCL, marking unknown and sensitive
// values the way Terraform users read them.
type valueRenderer struct {
	sensitive []cty.Path
	replace   []cty.Path
}

func (r *valueRenderer) isSensitive(p cty.Path) bool {
	for _, s := range r.sensitive {
		if schema.PathWithin(p, s) {
			return true
		}
	}
	return false
}

func (r *valueRenderer) forcesReplace(p cty.Path) bool {
	for _, s := range r.replace {
		if s.Equals(p) {
			return true
		}
	}
	return false
}

// scalar renders a value on one line.
func (r *valueRenderer) scalar(p cty.Path, v cty.Value) string {
	switch {
	case r.isSensitive(p):
		return "(sensitive value)"
	case v == cty.NilVal:
		return "null"
	case !v.IsKnown():
		return "(known after apply)"
	case v.IsNull():
		return "null"
	}
	ty := v.Type()
	if src, ok := expressionSource(v); ok {
		return src
	}
	switch {
	case ty == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case ty == cty.Number:
		return schema.FormatNumber(v.AsBigFloat())
	case ty == cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		var parts []string
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			_, ev := it.Element()
			parts = append(parts, r.scalar(p.IndexInt(i), ev))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case ty.IsMapType() || ty.IsObjectType():
		m := v.AsValueMap()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s = %s", k, r.scalar(childPath(p, ty, k), m[k])))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return v.GoString()
}

// childPath is the path of element k of a map or object of type ty.
func childPath(p cty.Path, ty cty.Type, k string) cty.Path {
	if ty.IsMapType() {
		return p.Index(cty.StringVal(k))
	}
	return p.GetAttr(k)
}

// attrLine is one line of a change body.
type attrLine struct {
	sym    string // "+", "-", "~", " "
	name   string
	text   string
	forces bool
}

// diffObject lists the attributes of an object that differ between before
// and after (all of them on create or delete), nested one level into maps
// and objects for readability.
func (r *valueRenderer) diffObject(p cty.Path, before, after cty.Value, all bool) []attrLine {
	names := map[string]bool{}
	var bm, am map[string]cty.Value
	if before != cty.NilVal && !before.IsNull() && before.IsKnown() && (before.Type().IsObjectType() || before.Type().IsMapType()) {
		bm = before.AsValueMap()
		for k := range bm {
			names[k] = true
		}
	}
	if after != cty.NilVal && !after.IsNull() && after.IsKnown() && (after.Type().IsObjectType() || after.Type().IsMapType()) {
		am = after.AsValueMap()
		for k := range am {
			names[k] = true
		}
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []attrLine
	for _, k := range keys {
		bv, bok := bm[k]
		av, aok := am[k]
		ap := p.GetAttr(k)
		if (after != cty.NilVal && after.Type().IsMapType()) || (before != cty.NilVal && before.Type().IsMapType()) {
			ap = p.Index(cty.StringVal(k))
		}
		if bok && bv.IsNull() {
			bok = false
		}
		if aok && av.IsNull() {
			aok = false
		}
		switch {
		case !bok && !aok:
			continue
		case !bok:
			text := r.scalar(ap, av)
			if len(text) > maxInline && nestable(av) && !r.isSensitive(ap) {
				// A long new block reads better one attribute a line.
				for _, sub := range r.diffObject(ap, cty.NilVal, av, true) {
					sub.name = k + "." + sub.name
					lines = append(lines, sub)
				}
				continue
			}
			lines = append(lines, attrLine{sym: "+", name: k, text: text, forces: r.forcesReplace(ap)})
		case !aok:
			if all || after == cty.NilVal || after.IsNull() {
				lines = append(lines, attrLine{sym: "-", name: k, text: r.scalar(ap, bv) + " -> null"})
			} else {
				lines = append(lines, attrLine{sym: "-", name: k, text: r.scalar(ap, bv) + " -> null", forces: r.forcesReplace(ap)})
			}
		case av.IsKnown() && bv.RawEquals(av):
			if all {
				lines = append(lines, attrLine{sym: " ", name: k, text: r.scalar(ap, av)})
			}
		case sameExpression(bv, av):
			// The expression is as written before; what it refers to
			// changed, and the plan shows that change where it happens.
			if all {
				lines = append(lines, attrLine{sym: " ", name: k, text: r.scalar(ap, av)})
			}
		default:
			_, isExpr := expressionSource(av)
			if !isExpr && av.IsKnown() && !r.isSensitive(ap) && (av.Type().IsObjectType() || av.Type().IsMapType()) && (bv.Type().IsObjectType() || bv.Type().IsMapType()) {
				for _, sub := range r.diffObject(ap, bv, av, false) {
					sub.name = k + "." + sub.name
					lines = append(lines, sub)
				}
				continue
			}
			was := r.scalar(ap, bv)
			if !av.IsKnown() {
				was = brief(bv, was)
			}
			lines = append(lines, attrLine{sym: "~", name: k, text: was + " -> " + r.scalar(ap, av), forces: r.forcesReplace(ap)})
		}
	}
	return lines
}

// maxInline is the longest one-line rendering of a collection that a
// change prints in full when its new value is not known yet.
const maxInline = 100

// brief shortens the rendering text of a collection v that is about to
// become unknown: the old content of a large map (a dataset's statistics,
// a run's metrics) says nothing about the change, its size does.
func brief(v cty.Value, text string) string {
	if len(text) <= maxInline || !v.IsKnown() || v.IsNull() {
		return text
	}
	ty := v.Type()
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		n := v.LengthInt()
		return fmt.Sprintf("{ ... %d %s }", n, plural(n, "entry", "entries"))
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		n := v.LengthInt()
		return fmt.Sprintf("[ ... %d %s ]", n, plural(n, "element", "elements"))
	}
	return text
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// nestable reports whether v is a known map or object that a plan can list
// entry by entry (an expression prints as its source instead).
func nestable(v cty.Value) bool {
	if !v.IsKnown() || v.IsNull() || !(v.Type().IsMapType() || v.Type().IsObjectType()) {
		return false
	}
	_, isExpr := expressionSource(v)
	return !isExpr
}

// sameExpression reports whether before and after are the same Expression
// attribute: the same source text, whatever the values it refers to.
func sameExpression(before, after cty.Value) bool {
	bs, bok := expressionSource(before)
	as, aok := expressionSource(after)
	return bok && aok && bs == as
}

// expressionSource recognises the value the engine hands a provider for an
// Expression attribute (schema.ExpressionValue) and returns its source.
func expressionSource(v cty.Value) (string, bool) {
	ty := v.Type()
	if !ty.IsObjectType() {
		return "", false
	}
	for _, a := range []string{"source", "filename", "line", "column", "scope"} {
		if !ty.HasAttribute(a) {
			return "", false
		}
	}
	if len(ty.AttributeTypes()) != 5 {
		return "", false
	}
	src := v.GetAttr("source")
	if !src.IsKnown() || src.IsNull() || src.Type() != cty.String {
		return "", false
	}
	return src.AsString(), true
}

// RenderValue prints a value on one line as HCL writes it.
func RenderValue(v cty.Value) string {
	r := &valueRenderer{}
	return r.scalar(nil, v)
}
