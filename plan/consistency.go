package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/mltf/mltf/lang/schema"
	"github.com/zclconf/go-cty/cty"
)

// difference is one attribute whose final planned value disagrees with the
// approved one.
type difference struct {
	Path     cty.Path
	Approved cty.Value
	Final    cty.Value
}

// planDifferences compares the final plan of an instance, made at apply
// time, with the approved plan: every known approved value must be equal
// in the final plan; an unknown approved value may become anything.
func planDifferences(approved, final cty.Value) []difference {
	var diffs []difference
	var walk func(p cty.Path, a, f cty.Value)
	walk = func(p cty.Path, ma, mf cty.Value) {
		// Marks (sensitive values) stay on what is recorded, so that the
		// diagnostic hides them.
		a, _ := ma.Unmark()
		f, _ := mf.Unmark()
		switch {
		case !a.IsKnown():
			return
		case !f.IsKnown() || a.IsNull() != f.IsNull():
			diffs = append(diffs, difference{p.Copy(), ma, mf})
			return
		case a.IsNull():
			return
		}
		ty := a.Type()
		switch {
		case ty.IsObjectType() && f.Type().IsObjectType():
			names := make([]string, 0, len(ty.AttributeTypes()))
			for name := range ty.AttributeTypes() {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				fv := cty.NullVal(ty.AttributeType(name))
				if f.Type().HasAttribute(name) {
					fv = f.GetAttr(name)
				}
				walk(p.GetAttr(name), a.GetAttr(name), fv)
			}
		case (ty.IsMapType() || ty.IsListType() || ty.IsTupleType()) && f.CanIterateElements() && a.LengthInt() == f.LengthInt():
			for it := a.ElementIterator(); it.Next(); {
				k, av := it.Element()
				if fv, ok := index(f, k); ok {
					walk(p.Index(k), av, fv)
				} else {
					diffs = append(diffs, difference{p.Index(k), av, cty.NullVal(av.Type())})
				}
			}
		case ty.IsPrimitiveType() && f.Type().Equals(ty):
			if eq := a.Equals(f); !eq.IsKnown() || eq.False() {
				diffs = append(diffs, difference{p.Copy(), ma, mf})
			}
		default:
			// Sets, and collections whose length changed: equal as wholes.
			if !a.IsWhollyKnown() {
				return
			}
			if !f.IsWhollyKnown() || !a.RawEquals(f) {
				diffs = append(diffs, difference{p.Copy(), ma, mf})
			}
		}
	}
	walk(nil, approved, final)
	return diffs
}

func index(v cty.Value, k cty.Value) (cty.Value, bool) {
	if has := v.HasIndex(k); has.IsKnown() && has.True() {
		return v.Index(k), true
	}
	return cty.NilVal, false
}

// inconsistentPlanDiag is the error for an instance whose final plan
// disagrees with the approved one. The summary names the fingerprint
// (what identifies a dataset's data or a run's inputs) when it is among
// the differences, or else the first one; the detail lists them all.
func inconsistentPlanDiag(c *Change, provider string, diffs []difference, rng *hcl.Range) *hcl.Diagnostic {
	lead := diffs[0]
	for _, d := range diffs {
		if len(d.Path) == 1 && schema.FormatPath(d.Path) == "fingerprint" {
			lead = d
			break
		}
	}
	var detail strings.Builder
	fmt.Fprintf(&detail, "The plan was approved with values that provider %q now plans differently, so %s was left as it was:\n", provider, c.Addr)
	for _, d := range diffs {
		fmt.Fprintf(&detail, "  %s: approved %s, now %s\n", schema.FormatPath(d.Path), c.valueText(d.Path, d.Approved, false), c.valueText(d.Path, d.Final, false))
	}
	detail.WriteString("Something changed since the plan was made. Run mltf plan again and review the new plan.")
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary: fmt.Sprintf("%s changed since the plan was made (%s %s -> %s); plan again",
			c.Addr, schema.FormatPath(lead.Path), c.valueText(lead.Path, lead.Approved, true), c.valueText(lead.Path, lead.Final, true)),
		Detail:  detail.String(),
		Subject: rng,
	}
}

// valueText renders a value of a diagnostic in HCL syntax, hiding
// sensitive ones; short abbreviates long strings (fingerprints, ids).
func (c *Change) valueText(p cty.Path, v cty.Value, short bool) string {
	for _, s := range c.Sensitive {
		if len(s) <= len(p) && s.Equals(p[:len(s)]) {
			return "(sensitive value)"
		}
	}
	if v.ContainsMarked() {
		return "(sensitive value)"
	}
	if !v.IsWhollyKnown() {
		return "(known after apply)"
	}
	if short && v.Type() == cty.String && !v.IsNull() && len(v.AsString()) > 16 {
		return v.AsString()[:12] + "…"
	}
	return strings.TrimSpace(string(hclwrite.TokensForValue(v).Bytes()))
}
