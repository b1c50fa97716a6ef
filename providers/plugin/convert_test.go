package plugin

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// ctyCmp compares cty values and types by their own equality.
var ctyCmp = []cmp.Option{
	cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) }),
	cmp.Comparer(func(a, b cty.Type) bool { return a.Equals(b) }),
	cmp.Comparer(func(a, b cty.Path) bool { return a.Equals(b) }),
}

func TestSchemaRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   providers.GetSchemaResponse
	}{
		{"empty", providers.GetSchemaResponse{}},
		{"nested blocks and dynamic types", providers.GetSchemaResponse{
			Provider: &schema.Block{Attributes: map[string]*schema.Attribute{
				"token": {Type: cty.String, Optional: true, Sensitive: true, Description: "API token"},
			}},
			Kinds: map[string]providers.Kind{
				"cluster": {Version: 2, Importable: true, LongRunning: true, Block: &schema.Block{
					Description: "a cluster",
					Attributes: map[string]*schema.Attribute{
						"id":     {Type: cty.String, Computed: true},
						"params": {Type: cty.DynamicPseudoType, Optional: true},
						"tags":   {Type: cty.Map(cty.String), Optional: true, Computed: true},
						"shape":  {Type: cty.Object(map[string]cty.Type{"n": cty.Number, "l": cty.List(cty.Bool)}), Required: true},
						"pair":   {Type: cty.Tuple([]cty.Type{cty.String, cty.Number}), Optional: true},
						"set":    {Type: cty.Set(cty.String), Optional: true},
					},
					Blocks: map[string]*schema.NestedBlock{
						"pool": {Nesting: schema.NestingMap, MinItems: 1, Block: schema.Block{
							Attributes: map[string]*schema.Attribute{"slots": {Type: cty.Number, Required: true}},
							Blocks: map[string]*schema.NestedBlock{
								"gpu": {Nesting: schema.NestingList, MaxItems: 8, Block: schema.Block{
									Attributes: map[string]*schema.Attribute{
										"model": {Type: cty.String, Required: true},
										"check": {Type: cty.DynamicPseudoType, Optional: true, Expression: true},
									},
								}},
							},
						}},
						"options": {Nesting: schema.NestingSingle, Block: schema.Block{}},
					},
				}},
			},
			Diagnostics: providers.Diagnostics{{Severity: providers.Warning, Summary: "deprecated", Attribute: cty.GetAttrPath("tags")}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb, err := schemaToProto(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := schemaFromProto(pb)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in, got, ctyCmp...); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValueRoundTrip(t *testing.T) {
	ty := cty.Object(map[string]cty.Type{
		"name":   cty.String,
		"params": cty.DynamicPseudoType,
		"n":      cty.Number,
		"list":   cty.List(cty.String),
	})
	tests := []struct {
		name string
		in   cty.Value
	}{
		{"nil travels as nil", cty.NilVal},
		{"null", cty.NullVal(ty)},
		{"unknown", cty.UnknownVal(ty)},
		{"known with dynamic object", cty.ObjectVal(map[string]cty.Value{
			"name":   cty.StringVal("mlp"),
			"params": cty.ObjectVal(map[string]cty.Value{"lr": cty.NumberFloatVal(0.05), "layers": cty.TupleVal([]cty.Value{cty.NumberIntVal(1)})}),
			"n":      cty.MustParseNumberVal("0.1"),
			"list":   cty.ListVal([]cty.Value{cty.StringVal("a")}),
		})},
		{"partly unknown", cty.ObjectVal(map[string]cty.Value{
			"name":   cty.UnknownVal(cty.String),
			"params": cty.DynamicVal,
			"n":      cty.NullVal(cty.Number),
			"list":   cty.UnknownVal(cty.List(cty.String)),
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dv, err := encodeValue(tt.in, ty)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeValue(dv, ty)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in, got, ctyCmp...); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMarkedValueTravelsUnmarked checks that marks (sensitivity) are
// dropped on the way, deep inside the value too, and nothing else is.
func TestMarkedValueTravelsUnmarked(t *testing.T) {
	ty := cty.Object(map[string]cty.Type{"token": cty.String, "tags": cty.Map(cty.String)})
	plain := cty.ObjectVal(map[string]cty.Value{"token": cty.StringVal("s3cret"), "tags": cty.MapVal(map[string]cty.Value{"k": cty.StringVal("v")})})
	marked := cty.ObjectVal(map[string]cty.Value{"token": cty.StringVal("s3cret").Mark("sensitive"), "tags": cty.MapVal(map[string]cty.Value{"k": cty.StringVal("v").Mark("sensitive")})})
	dv, err := encodeValue(marked, ty)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeValue(dv, ty)
	if err != nil {
		t.Fatal(err)
	}
	if got.ContainsMarked() || !got.RawEquals(plain) {
		t.Errorf("got %#v, want %#v", got, plain)
	}
}

func TestValueOffSchema(t *testing.T) {
	ty := cty.Object(map[string]cty.Type{"slots": cty.Number})
	_, err := encodeValue(cty.ObjectVal(map[string]cty.Value{"slots": cty.StringVal("two")}), ty)
	if err == nil {
		t.Fatal("a value off the schema was encoded")
	}
	if want := "slots: "; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("error does not start with the path %q: %v", want, err)
	}
}

func TestDiagnosticsRoundTrip(t *testing.T) {
	in := providers.Diagnostics{
		{Severity: providers.Error, Summary: "Invalid slots", Detail: "at least 1", Attribute: cty.GetAttrPath("pool").Index(cty.StringVal("cpu")).GetAttr("slots")},
		{Severity: providers.Warning, Summary: "slow", Attribute: cty.GetAttrPath("command").Index(cty.NumberIntVal(2))},
		{Severity: providers.Error, Summary: "no path"},
	}
	got := diagsFromProto(diagsToProto(in))
	if diff := cmp.Diff(in, got, ctyCmp...); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestTailKeepsPanicHead(t *testing.T) {
	tl := newTail()
	w := tl.writer("stderr", nil)
	w.Write([]byte("before\npanic: boom\n"))
	for i := 0; i < 100; i++ {
		w.Write([]byte("frame\n"))
	}
	w.Write([]byte(`{"@level":"error","@message":"bad thing","id":3}` + "\n"))
	lines := tl.Lines()
	if lines[0] != "before" || lines[1] != "panic: boom" || len(lines) != 2+panicFrames {
		t.Errorf("tail %q", lines)
	}
	t2 := newTail()
	t2.writer("stderr", nil).Write([]byte(`{"@level":"error","@message":"bad thing","id":3}` + "\npartial"))
	if diff := cmp.Diff([]string{"[ERROR] bad thing id=3"}, t2.Lines()); diff != "" {
		t.Errorf("json line (-want +got):\n%s", diff)
	}
}
