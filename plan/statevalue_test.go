package plan

import (
	"fmt"
	"testing"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// TestDecodeJSONIsCtyjson checks that decodeJSON gives exactly what
// ctyjson.Unmarshal gives, value and type or error message, for every
// kind of type and for malformed input.
func TestDecodeJSONIsCtyjson(t *testing.T) {
	obj := cty.Object(map[string]cty.Type{
		"name": cty.String,
		"n":    cty.Number,
		"ok":   cty.Bool,
		"tags": cty.Map(cty.String),
		"list": cty.List(cty.Object(map[string]cty.Type{"size": cty.Number, "flag": cty.Bool})),
		"set":  cty.Set(cty.String),
		"tup":  cty.Tuple([]cty.Type{cty.String, cty.Number}),
		"dyn":  cty.DynamicPseudoType,
		"pool": cty.Map(cty.Object(map[string]cty.Type{"slots": cty.Number})),
	})
	tests := []struct {
		name string
		ty   cty.Type
		doc  string
	}{
		{"full object", obj, `{"name":"a","n":1.5,"ok":true,"tags":{"t":"v"},"list":[{"size":3,"flag":false}],"set":["x","y","x"],"tup":["s",2],"dyn":{"value":[1,"a"],"type":["tuple",["number","string"]]},"pool":{"cpu":{"slots":2}}}`},
		{"missing attributes are null", obj, `{"name":"a"}`},
		{"nulls", obj, `{"name":null,"tags":null,"list":null,"dyn":null}`},
		{"empty collections", obj, `{"tags":{},"list":[],"set":[],"pool":{}}`},
		{"big number", obj, `{"n":123456789012345678901234567890.000000000001}`},
		{"number as string", obj, `{"n":"42"}`},
		{"bool as string", obj, `{"ok":"true"}`},
		{"number where a string belongs", obj, `{"name":12}`},
		{"bool where a string belongs", obj, `{"name":true}`},
		{"unknown attribute", obj, `{"nope":1}`},
		{"wrong shape", obj, `{"tags":["a"]}`},
		{"short tuple", obj, `{"tup":["s"]}`},
		{"bad number", obj, `{"n":"ten"}`},
		{"object for a string", obj, `{"name":{}}`},
		{"not JSON", obj, `{"name":`},
		{"null document", obj, `null`},
		{"empty object type", cty.EmptyObject, `{}`},
		{"string", cty.String, `"é"`},
		{"dynamic", cty.DynamicPseudoType, `{"value":"a","type":"string"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, werr := ctyjson.Unmarshal([]byte(tt.doc), tt.ty)
			got, gerr := decodeJSON([]byte(tt.doc), tt.ty)
			if fmt.Sprint(werr) != fmt.Sprint(gerr) {
				t.Fatalf("error %v, ctyjson says %v", gerr, werr)
			}
			if werr != nil {
				return
			}
			if !got.Type().Equals(want.Type()) || !got.RawEquals(want) {
				t.Errorf("got %#v\nctyjson %#v", got, want)
			}
		})
	}
}
