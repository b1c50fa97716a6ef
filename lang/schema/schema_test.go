package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func testBlock() *Block {
	return &Block{
		Attributes: map[string]*Attribute{
			"name":   {Type: cty.String, Optional: true, Computed: true},
			"params": {Type: cty.DynamicPseudoType, Optional: true},
			"id":     {Type: cty.String, Computed: true},
			"secret": {Type: cty.String, Optional: true, Sensitive: true},
		},
		Blocks: map[string]*NestedBlock{
			"pool": {Nesting: NestingMap, Block: Block{Attributes: map[string]*Attribute{
				"slots": {Type: cty.Number, Required: true},
				"name":  {Type: cty.String, Computed: true},
			}}},
			"retry": {Nesting: NestingSingle, Block: Block{Attributes: map[string]*Attribute{
				"max": {Type: cty.Number, Optional: true},
			}}},
		},
	}
}

func decode(t *testing.T, b *Block, src string) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := hcldec.Decode(f.Body, b.DecoderSpec(), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

// TestNormalizeConformsToImpliedType: a decoded body, completed by
// Normalize, has exactly the kind's implied type, as providers expect.
func TestNormalizeConformsToImpliedType(t *testing.T) {
	b := testBlock()
	cases := map[string]string{
		"empty":        ``,
		"full":         "name = \"x\"\nparams = { lr = 0.1 }\npool \"cpu\" {\n  slots = 2\n}\nretry {\n  max = 3\n}\n",
		"two pools":    "pool \"a\" {\n  slots = 1\n}\npool \"b\" {\n  slots = 2\n}\n",
		"single block": "retry {}\n",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			v := b.Normalize(decode(t, b, src))
			if err := v.Type().TestConformance(b.ImpliedType()); err != nil {
				t.Fatalf("normalized %#v does not conform: %v", v, err)
			}
			if !v.GetAttr("id").IsNull() {
				t.Errorf("computed-only id should be null, got %#v", v.GetAttr("id"))
			}
		})
	}
}

func TestComputedOnlyIsNotConfigurable(t *testing.T) {
	f, _ := hclsyntax.ParseConfig([]byte(`id = "x"`), "t.hcl", hcl.InitialPos)
	_, diags := hcldec.Decode(f.Body, testBlock().DecoderSpec(), nil)
	if !diags.HasErrors() {
		t.Fatal("setting a computed-only attribute must be an error")
	}
}

func TestFormatPath(t *testing.T) {
	cases := []struct {
		path cty.Path
		want string
	}{
		{cty.GetAttrPath("params").GetAttr("lr"), "params.lr"},
		{cty.GetAttrPath("pool").Index(cty.StringVal("cpu")).GetAttr("slots"), `pool["cpu"].slots`},
		{cty.GetAttrPath("command").IndexInt(0), "command[0]"},
		{cty.GetAttrPath("x").Index(cty.UnknownVal(cty.String)), "x[?]"},
	}
	for _, c := range cases {
		if got := FormatPath(c.path); got != c.want {
			t.Errorf("FormatPath = %q, want %q", got, c.want)
		}
	}
}

func TestSensitivePaths(t *testing.T) {
	got := testBlock().SensitivePaths()
	if diff := cmp.Diff([]string{"secret"}, []string{FormatPath(got[0])}); diff != "" || len(got) != 1 {
		t.Errorf("SensitivePaths: %v", got)
	}
}

func TestExpressionValue(t *testing.T) {
	v := ExpressionValue("a >= 1", "m.hcl", 3, 5, map[string]cty.Value{"var": cty.EmptyObjectVal})
	if v.GetAttr("source").AsString() != "a >= 1" || v.GetAttr("line").AsBigFloat().String() != "3" {
		t.Errorf("ExpressionValue: %#v", v)
	}
}
