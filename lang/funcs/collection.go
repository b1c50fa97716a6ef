package funcs

import (
	"fmt"
	"sort"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// allTrueFunc returns true when every element of a list of bools is true
// (and for an empty list).
var allTrueFunc = function.New(&function.Spec{
	Description: "Returns true if every element of the given list is true, or if the list is empty.",
	Params: []function.Parameter{{
		Name: "list", Type: cty.List(cty.Bool), AllowMarked: true,
	}},
	Type: function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list, marks := args[0].Unmark()
		unknown := false
		for it := list.ElementIterator(); it.Next(); {
			_, v := it.Element()
			v, _ = v.Unmark()
			switch {
			case !v.IsKnown():
				unknown = true
			case v.IsNull() || v.False():
				return cty.False.WithMarks(marks), nil
			}
		}
		if unknown {
			return cty.UnknownVal(cty.Bool).RefineNotNull().WithMarks(marks), nil
		}
		return cty.True.WithMarks(marks), nil
	},
})

// anyTrueFunc returns true when at least one element of a list of bools is
// true.
var anyTrueFunc = function.New(&function.Spec{
	Description: "Returns true if any element of the given list is true; false for an empty list.",
	Params: []function.Parameter{{
		Name: "list", Type: cty.List(cty.Bool), AllowMarked: true,
	}},
	Type: function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list, marks := args[0].Unmark()
		unknown := false
		for it := list.ElementIterator(); it.Next(); {
			_, v := it.Element()
			v, _ = v.Unmark()
			switch {
			case !v.IsKnown():
				unknown = true
			case !v.IsNull() && v.True():
				return cty.True.WithMarks(marks), nil
			}
		}
		if unknown {
			return cty.UnknownVal(cty.Bool).RefineNotNull().WithMarks(marks), nil
		}
		return cty.False.WithMarks(marks), nil
	},
})

// indexFunc is Terraform's index(list, value): the position of the first
// element equal to value. (cty's stdlib "index" is a different function,
// element lookup by key.)
var indexFunc = function.New(&function.Spec{
	Description: "Returns the index of the first element of the list that is equal to the given value.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.DynamicPseudoType},
		{Name: "value", Type: cty.DynamicPseudoType},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		if !(ty.IsListType() || ty.IsTupleType()) {
			return cty.NilType, function.NewArgErrorf(0, "index needs a list or tuple to search, not %s", ty.FriendlyName())
		}
		return cty.Number, nil
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if !args[0].IsWhollyKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		for it := args[0].ElementIterator(); it.Next(); {
			i, v := it.Element()
			eq, err := stdlib.Equal(v, args[1])
			if err != nil {
				return cty.NilVal, err
			}
			if !eq.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if eq.True() {
				return i, nil
			}
		}
		return cty.NilVal, function.NewArgErrorf(1, "the value %s is not in the list", displayValue(args[1]))
	},
})

// lengthFunc counts the elements of a collection or structural value, or the
// characters (grapheme clusters) of a string.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the number of elements of a list, set, map, tuple or object, or the number of characters of a string.",
	Params: []function.Parameter{{
		Name:             "value",
		Type:             cty.DynamicPseudoType,
		AllowDynamicType: true,
		AllowUnknown:     true,
		AllowNull:        true,
		AllowMarked:      true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.String, ty == cty.DynamicPseudoType,
			ty.IsCollectionType(), ty.IsTupleType(), ty.IsObjectType():
			return cty.Number, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "length needs a string, list, set, map, tuple or object, not %s", ty.FriendlyName())
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		ty := v.Type()
		switch {
		case ty.IsTupleType():
			return cty.NumberIntVal(int64(len(ty.TupleElementTypes()))).WithMarks(marks), nil
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))).WithMarks(marks), nil
		case !v.IsKnown():
			return cty.UnknownVal(cty.Number).RefineNotNull().WithMarks(marks), nil
		case v.IsNull():
			return cty.NilVal, function.NewArgErrorf(0, "length of a null value is undefined; give a value or use coalesce to supply a default")
		case ty == cty.String:
			n, err := stdlib.Strlen(v)
			return n.WithMarks(marks), err
		}
		return v.Length().WithMarks(marks), nil
	},
})

// matchKeysFunc is Terraform's matchkeys(values, keys, searchset): the
// elements of values whose corresponding element of keys is in searchset.
var matchKeysFunc = function.New(&function.Spec{
	Description: "Returns the elements of values whose corresponding element of keys (same index) is in searchset.",
	Params: []function.Parameter{
		{Name: "values", Type: cty.List(cty.DynamicPseudoType)},
		{Name: "keys", Type: cty.List(cty.DynamicPseudoType)},
		{Name: "searchset", Type: cty.List(cty.DynamicPseudoType)},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		keyTy, searchTy := args[1].Type().ElementType(), args[2].Type().ElementType()
		if _, unified := convert.UnifyUnsafe([]cty.Type{keyTy, searchTy}); unified == nil {
			return cty.NilType, function.NewArgErrorf(2, "searchset elements (%s) cannot be compared with keys (%s)", searchTy.FriendlyName(), keyTy.FriendlyName())
		}
		return args[0].Type(), nil
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		values, keys, search := args[0], args[1], args[2]
		if values.LengthInt() != keys.LengthInt() {
			return cty.NilVal, function.NewArgErrorf(1, "keys has %d elements but values has %d; they must have the same length", keys.LengthInt(), values.LengthInt())
		}
		if !values.IsWhollyKnown() || !keys.IsWhollyKnown() || !search.IsWhollyKnown() {
			return cty.UnknownVal(retType), nil
		}
		vals, ks := values.AsValueSlice(), keys.AsValueSlice()
		var out []cty.Value
		for i, k := range ks {
			for it := search.ElementIterator(); it.Next(); {
				_, s := it.Element()
				eq, err := stdlib.Equal(k, s)
				if err != nil {
					return cty.NilVal, err
				}
				if eq.True() {
					out = append(out, vals[i])
					break
				}
			}
		}
		if len(out) == 0 {
			return cty.ListValEmpty(retType.ElementType()), nil
		}
		return cty.ListVal(out), nil
	},
})

// oneFunc returns the only element of a list, set or tuple, or null when it
// is empty.
var oneFunc = function.New(&function.Spec{
	Description: "Returns the only element of a list, set or tuple of at most one element, or null when it is empty.",
	Params:      []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty.IsListType() || ty.IsSetType():
			return ty.ElementType(), nil
		case ty.IsTupleType():
			elems := ty.TupleElementTypes()
			switch len(elems) {
			case 0:
				return cty.DynamicPseudoType, nil
			case 1:
				return elems[0], nil
			}
			return cty.NilType, function.NewArgErrorf(0, "one needs at most one element; this tuple has %d", len(elems))
		}
		return cty.NilType, function.NewArgErrorf(0, "one needs a list, set or tuple, not %s", ty.FriendlyName())
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		v := args[0]
		switch n := v.LengthInt(); n {
		case 0:
			return cty.NullVal(retType), nil
		case 1:
			it := v.ElementIterator()
			it.Next()
			_, e := it.Element()
			return e, nil
		default:
			return cty.NilVal, function.NewArgErrorf(0, "one needs at most one element; this %s has %d", v.Type().FriendlyName(), n)
		}
	},
})

// sumFunc adds up a list, set or tuple of numbers.
var sumFunc = function.New(&function.Spec{
	Description: "Returns the total of a list, set or tuple of numbers.",
	Params:      []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		var elems []cty.Type
		switch {
		case ty.IsListType() || ty.IsSetType():
			elems = []cty.Type{ty.ElementType()}
		case ty.IsTupleType():
			elems = ty.TupleElementTypes()
		default:
			return cty.NilType, function.NewArgErrorf(0, "sum needs a list, set or tuple of numbers, not %s", ty.FriendlyName())
		}
		for _, et := range elems {
			if et != cty.Number && et != cty.DynamicPseudoType && convert.GetConversionUnsafe(et, cty.Number) == nil {
				return cty.NilType, function.NewArgErrorf(0, "sum needs numbers, but an element is %s", et.FriendlyName())
			}
		}
		return cty.Number, nil
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list := args[0]
		if list.LengthInt() == 0 {
			return cty.NilVal, function.NewArgErrorf(0, "cannot sum an empty list")
		}
		if !list.IsWhollyKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		total := cty.Zero
		for it := list.ElementIterator(); it.Next(); {
			i, v := it.Element()
			if v.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "element %s is null; sum needs numbers", displayValue(i))
			}
			n, err := convert.Convert(v, cty.Number)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "element %s: %s", displayValue(i), err)
			}
			total = total.Add(n)
		}
		return total, nil
	},
})

// transposeFunc swaps the keys and values of a map of lists of strings.
var transposeFunc = function.New(&function.Spec{
	Description: "Swaps the keys and the values of a map of lists of strings.",
	Params: []function.Parameter{{
		Name: "map", Type: cty.Map(cty.List(cty.String)),
	}},
	Type: function.StaticReturnType(cty.Map(cty.List(cty.String))),
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		in := args[0]
		if !in.IsWhollyKnown() {
			return cty.UnknownVal(retType), nil
		}
		out := map[string][]cty.Value{}
		for it := in.ElementIterator(); it.Next(); {
			k, list := it.Element()
			if list.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "the list for key %q is null", k.AsString())
			}
			for lit := list.ElementIterator(); lit.Next(); {
				_, v := lit.Element()
				if v.IsNull() {
					return cty.NilVal, function.NewArgErrorf(0, "the list for key %q holds a null string", k.AsString())
				}
				out[v.AsString()] = append(out[v.AsString()], k)
			}
		}
		if len(out) == 0 {
			return cty.MapValEmpty(cty.List(cty.String)), nil
		}
		keys := make([]string, 0, len(out))
		for k := range out {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := make(map[string]cty.Value, len(out))
		for _, k := range keys {
			m[k] = cty.ListVal(out[k])
		}
		return cty.MapVal(m), nil
	},
})

// displayValue renders a value for an error message, the way it would be
// written in HCL where that is short.
func displayValue(v cty.Value) string {
	if !v.IsKnown() {
		return "(known after apply)"
	}
	if v.IsNull() {
		return "null"
	}
	switch v.Type() {
	case cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	}
	return v.Type().FriendlyName()
}

// coalesceFunc is Terraform's coalesce: the first argument that is neither
// null nor an empty string. (cty's stdlib coalesce skips only nulls.)
var coalesceFunc = function.New(&function.Spec{
	Description: "Returns the first argument that is neither null nor an empty string.",
	VarParam: &function.Parameter{
		Name:             "vals",
		Type:             cty.DynamicPseudoType,
		AllowUnknown:     true,
		AllowDynamicType: true,
		AllowNull:        true,
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		types := make([]cty.Type, len(args))
		for i, v := range args {
			types[i] = v.Type()
		}
		ty, _ := convert.UnifyUnsafe(types)
		if ty == cty.NilType {
			return cty.NilType, fmt.Errorf("all arguments must have the same type, or types that convert to one")
		}
		return ty, nil
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		for _, v := range args {
			v, err := convert.Convert(v, retType)
			if err != nil {
				return cty.NilVal, err
			}
			if !v.IsKnown() {
				return cty.UnknownVal(retType), nil
			}
			if v.IsNull() || (v.Type() == cty.String && v.AsString() == "") {
				continue
			}
			return v, nil
		}
		return cty.NilVal, fmt.Errorf("every argument is null or an empty string; give at least one value")
	},
})
