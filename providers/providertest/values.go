package providertest

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

var schemaNilType = cty.NilType

// proposed is what the engine proposes: the configuration with the prior
// values of computed attributes it leaves null.
func proposed(b *schema.Block, prior, config cty.Value) cty.Value {
	if prior.IsNull() || config.IsNull() {
		return config
	}
	m := config.AsValueMap()
	pm := prior.AsValueMap()
	for name, a := range b.Attributes {
		if a.Computed && m[name].IsNull() {
			m[name] = pm[name]
		}
	}
	return cty.ObjectVal(m)
}

// disagreement returns where got differs from a known part of planned, or
// "" when got agrees with the plan.
func disagreement(path cty.Path, planned, got cty.Value) string {
	if !planned.IsKnown() {
		return ""
	}
	if planned.IsNull() {
		if got.IsNull() {
			return ""
		}
		return fmt.Sprintf("%s: planned null, got %#v", pathString(path), got)
	}
	if got.IsNull() || !got.IsKnown() {
		return fmt.Sprintf("%s: planned %#v, got %#v", pathString(path), planned, got)
	}
	ty := planned.Type()
	switch {
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if !got.Type().IsObjectType() || !got.Type().HasAttribute(name) {
				return fmt.Sprintf("%s: attribute %s missing", pathString(path), name)
			}
			if d := disagreement(path.GetAttr(name), planned.GetAttr(name), got.GetAttr(name)); d != "" {
				return d
			}
		}
		return ""
	case ty.IsListType() || ty.IsTupleType() || ty.IsMapType():
		if !planned.Length().IsKnown() {
			return ""
		}
		if planned.LengthInt() != got.LengthInt() {
			return fmt.Sprintf("%s: planned %d elements, got %d", pathString(path), planned.LengthInt(), got.LengthInt())
		}
		for it := planned.ElementIterator(); it.Next(); {
			k, pv := it.Element()
			if !got.HasIndex(k).True() {
				return fmt.Sprintf("%s: element %#v missing", pathString(path), k)
			}
			if d := disagreement(path.Index(k), pv, got.Index(k)); d != "" {
				return d
			}
		}
		return ""
	}
	if !planned.IsWhollyKnown() {
		return ""
	}
	if eq := planned.Equals(got); !eq.IsKnown() || eq.False() {
		return fmt.Sprintf("%s: planned %#v, got %#v", pathString(path), planned, got)
	}
	return ""
}

func pathString(p cty.Path) string {
	if len(p) == 0 {
		return "(the whole value)"
	}
	return schema.FormatPath(p)
}
