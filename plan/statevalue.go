package plan

import (
	"bytes"
	"encoding/json"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// decodeJSON is ctyjson.Unmarshal for the attributes of instances in
// state, which a plan decodes for every instance: one pass of
// encoding/json into generic values and a walk guided by the type, where
// ctyjson starts a decoder and copies the bytes again at every level.
// Whatever the walk does not take exactly as ctyjson would (dynamic and
// capsule types, strings where numbers or bools belong, any error) is
// decoded by ctyjson itself, so values and error messages are its own.
func decodeJSON(b []byte, ty cty.Type) (cty.Value, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var raw any
	if err := d.Decode(&raw); err == nil {
		if v, ok := fromJSON(raw, ty); ok {
			return v, nil
		}
	}
	return ctyjson.Unmarshal(b, ty)
}

// fromJSON converts a value decoded by encoding/json (with UseNumber) to
// ty, or reports that ctyjson must.
func fromJSON(raw any, ty cty.Type) (cty.Value, bool) {
	if raw == nil {
		return cty.NullVal(ty), true
	}
	switch {
	case ty == cty.String:
		switch v := raw.(type) {
		case string:
			return cty.StringVal(v), true
		case json.Number:
			return cty.StringVal(string(v)), true
		}
	case ty == cty.Number:
		if v, ok := raw.(json.Number); ok {
			n, err := cty.ParseNumberVal(string(v))
			return n, err == nil
		}
	case ty == cty.Bool:
		if v, ok := raw.(bool); ok {
			return cty.BoolVal(v), true
		}
	case ty.IsListType() || ty.IsSetType():
		elems, ok := raw.([]any)
		if !ok {
			return cty.NilVal, false
		}
		ety := ty.ElementType()
		if len(elems) == 0 {
			if ty.IsListType() {
				return cty.ListValEmpty(ety), true
			}
			return cty.SetValEmpty(ety), true
		}
		vals, ok := fromJSONElems(elems, func(int) cty.Type { return ety })
		if !ok {
			return cty.NilVal, false
		}
		if ty.IsListType() {
			return cty.ListVal(vals), true
		}
		return cty.SetVal(vals), true
	case ty.IsTupleType():
		elems, ok := raw.([]any)
		etys := ty.TupleElementTypes()
		if !ok || len(elems) != len(etys) {
			return cty.NilVal, false
		}
		if len(elems) == 0 {
			return cty.EmptyTupleVal, true
		}
		vals, ok := fromJSONElems(elems, func(i int) cty.Type { return etys[i] })
		if !ok {
			return cty.NilVal, false
		}
		return cty.TupleVal(vals), true
	case ty.IsMapType():
		obj, ok := raw.(map[string]any)
		if !ok {
			return cty.NilVal, false
		}
		if len(obj) == 0 {
			return cty.MapValEmpty(ty.ElementType()), true
		}
		vals := make(map[string]cty.Value, len(obj))
		for k, e := range obj {
			if vals[k], ok = fromJSON(e, ty.ElementType()); !ok {
				return cty.NilVal, false
			}
		}
		return cty.MapVal(vals), true
	case ty.IsObjectType():
		obj, ok := raw.(map[string]any)
		if !ok {
			return cty.NilVal, false
		}
		atys := ty.AttributeTypes()
		for k := range obj {
			if _, ok := atys[k]; !ok {
				return cty.NilVal, false
			}
		}
		if len(atys) == 0 {
			return cty.EmptyObjectVal, true
		}
		vals := make(map[string]cty.Value, len(atys))
		for k, aty := range atys {
			e, present := obj[k]
			if !present {
				vals[k] = cty.NullVal(aty)
				continue
			}
			if vals[k], ok = fromJSON(e, aty); !ok {
				return cty.NilVal, false
			}
		}
		return cty.ObjectVal(vals), true
	}
	return cty.NilVal, false
}

func fromJSONElems(elems []any, ety func(int) cty.Type) ([]cty.Value, bool) {
	vals := make([]cty.Value, len(elems))
	for i, e := range elems {
		v, ok := fromJSON(e, ety(i))
		if !ok {
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}
