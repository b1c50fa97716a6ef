package schema

import "github.com/zclconf/go-cty/cty"

// Normalize completes a value decoded with DecoderSpec to the block's
// implied type: computed-only attributes, which configuration cannot set,
// are added as null (unknown when the value itself is unknown), at every
// level of nesting.
func (b *Block) Normalize(v cty.Value) cty.Value {
	if b == nil || v == cty.NilVal {
		return v
	}
	if !v.IsKnown() {
		return cty.UnknownVal(b.ImpliedType())
	}
	if v.IsNull() {
		return cty.NullVal(b.ImpliedType())
	}
	if !v.Type().IsObjectType() {
		return v
	}
	vals := v.AsValueMap()
	if vals == nil {
		vals = map[string]cty.Value{}
	}
	for name, a := range b.Attributes {
		if _, ok := vals[name]; !ok {
			vals[name] = cty.NullVal(a.Type)
		}
	}
	for name, nb := range b.Blocks {
		cv, ok := vals[name]
		if !ok {
			continue
		}
		vals[name] = nb.normalize(cv)
	}
	return cty.ObjectVal(vals)
}

func (nb *NestedBlock) normalize(v cty.Value) cty.Value {
	if nb.Nesting == NestingSingle {
		return nb.Block.Normalize(v)
	}
	ty := nb.Block.ImpliedType()
	if !v.IsKnown() || v.IsNull() {
		switch {
		case nb.Block.hasDynamic():
			return v
		case nb.Nesting == NestingList:
			if !v.IsKnown() {
				return cty.UnknownVal(cty.List(ty))
			}
			return cty.NullVal(cty.List(ty))
		default:
			if !v.IsKnown() {
				return cty.UnknownVal(cty.Map(ty))
			}
			return cty.NullVal(cty.Map(ty))
		}
	}
	switch {
	case v.Type().IsListType() || v.Type().IsTupleType():
		var elems []cty.Value
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			elems = append(elems, nb.Block.Normalize(ev))
		}
		if v.Type().IsTupleType() {
			if len(elems) == 0 {
				return cty.EmptyTupleVal
			}
			return cty.TupleVal(elems)
		}
		if len(elems) == 0 {
			return cty.ListValEmpty(ty)
		}
		return cty.ListVal(elems)
	case v.Type().IsMapType() || v.Type().IsObjectType():
		m := map[string]cty.Value{}
		for k, ev := range v.AsValueMap() {
			m[k] = nb.Block.Normalize(ev)
		}
		if v.Type().IsObjectType() {
			return cty.ObjectVal(m)
		}
		if len(m) == 0 {
			return cty.MapValEmpty(ty)
		}
		return cty.MapVal(m)
	}
	return v
}
