package sdk

import (
	"fmt"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// SetAttrs returns obj with the given attributes replaced, typically to
// fill in computed attributes of the planned value in Create:
//
//	return sdk.SetAttrs(c.Planned, map[string]cty.Value{"id": cty.StringVal(id)}), nil
func SetAttrs(obj cty.Value, attrs map[string]cty.Value) cty.Value {
	m := map[string]cty.Value{}
	if !obj.IsNull() && obj.IsKnown() {
		m = obj.AsValueMap()
	}
	for k, v := range attrs {
		m[k] = v
	}
	return cty.ObjectVal(m)
}

// conform converts v to ty, a kind's implied type, or says where it does
// not fit.
func conform(v cty.Value, ty cty.Type) (cty.Value, error) {
	if v.Type() == cty.NilType {
		return cty.NullVal(ty), nil
	}
	ret, err := convert.Convert(v, ty)
	if err != nil {
		if pe, ok := err.(cty.PathError); ok && len(pe.Path) > 0 {
			return cty.NilVal, fmt.Errorf("%s: %s", schema.FormatPath(pe.Path), pe.Error())
		}
		return cty.NilVal, err
	}
	return ret, nil
}

// checkResult checks a state a provider function returned: it must match
// the schema and be wholly known.
func checkResult(v cty.Value, ty cty.Type, address, call string, diags providers.Diagnostics) (cty.Value, providers.Diagnostics) {
	ret, err := conform(v, ty)
	if err != nil {
		return cty.NilVal, diags.Errorf("Provider returned an invalid value",
			"%s of %s returned a value that does not match the kind's schema: %s. This is a bug in the provider.", call, address, err)
	}
	if p, ok := firstUnknown(ret); ok {
		return cty.NilVal, diags.Errorf("Provider returned an incomplete value",
			"%s of %s left %s unknown; a provider must fill in every value it planned as known after apply. This is a bug in the provider.", call, address, schema.FormatPath(p))
	}
	return ret, diags
}

// firstUnknown finds an unknown value inside v.
func firstUnknown(v cty.Value) (cty.Path, bool) {
	if v.IsWhollyKnown() {
		return nil, false
	}
	var found cty.Path
	_ = cty.Walk(v, func(p cty.Path, x cty.Value) (bool, error) {
		if found != nil {
			return false, nil
		}
		if !x.IsKnown() {
			found = p.Copy()
			if found == nil {
				found = cty.Path{}
			}
			return false, nil
		}
		return true, nil
	})
	return found, true
}

// unknownComputed marks the computed attributes that v leaves null as
// unknown ("known after apply"), in nested blocks too.
func unknownComputed(b *schema.Block, v cty.Value) cty.Value {
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() {
		return v
	}
	m := v.AsValueMap()
	if m == nil {
		return v
	}
	for name, a := range b.Attributes {
		if x, ok := m[name]; ok && a.Computed && x.IsNull() {
			m[name] = cty.UnknownVal(a.Type)
		}
	}
	for name, nb := range b.Blocks {
		x, ok := m[name]
		if !ok || x.IsNull() || !x.IsKnown() {
			continue
		}
		switch {
		case nb.Nesting == schema.NestingSingle:
			m[name] = unknownComputed(&nb.Block, x)
		case x.LengthInt() == 0:
		case x.Type().IsListType():
			var elems []cty.Value
			for it := x.ElementIterator(); it.Next(); {
				_, e := it.Element()
				elems = append(elems, unknownComputed(&nb.Block, e))
			}
			m[name] = cty.ListVal(elems)
		case x.Type().IsTupleType():
			var elems []cty.Value
			for it := x.ElementIterator(); it.Next(); {
				_, e := it.Element()
				elems = append(elems, unknownComputed(&nb.Block, e))
			}
			m[name] = cty.TupleVal(elems)
		case x.Type().IsMapType() || x.Type().IsObjectType():
			elems := map[string]cty.Value{}
			for it := x.ElementIterator(); it.Next(); {
				k, e := it.Element()
				elems[k.AsString()] = unknownComputed(&nb.Block, e)
			}
			if x.Type().IsMapType() {
				m[name] = cty.MapVal(elems)
			} else {
				m[name] = cty.ObjectVal(elems)
			}
		}
	}
	return cty.ObjectVal(m)
}

// proposedNew is the engine's proposed value, for callers that leave
// Proposed out: the configuration with the prior values of computed
// attributes it leaves null.
func proposedNew(b *schema.Block, prior, config cty.Value) cty.Value {
	if isNull(prior) || config.IsNull() || !config.IsKnown() || !prior.IsKnown() {
		return config
	}
	m := config.AsValueMap()
	pm := prior.AsValueMap()
	for name, a := range b.Attributes {
		if a.Computed && m[name].IsNull() {
			if pv, ok := pm[name]; ok {
				m[name] = pv
			}
		}
	}
	return cty.ObjectVal(m)
}
