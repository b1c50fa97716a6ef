package lang_test

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/funcs"
	"github.com/mltf/mltf/lang/schema"
)

// TestDeferred evaluates an Expression attribute as a provider does:
// decoded from the value the engine hands over, with self bound, and
// diagnostics at the place the expression was written.
func TestDeferred(t *testing.T) {
	v := schema.ExpressionValue(`max(self.candidate, var.floor) >= 0.9`, "main.mltf.hcl", 12, 15,
		map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{"floor": cty.NumberFloatVal(0.5)})})
	d, ok := lang.DecodeDeferred(v)
	if !ok {
		t.Fatal("DecodeDeferred refused the engine's value")
	}
	if d.Where() != "main.mltf.hcl:12" {
		t.Errorf("Where() = %s", d.Where())
	}
	expr, diags := d.Parse()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	fns := funcs.Functions(t.TempDir(), false)
	got, diags := expr.Value(d.Context(cty.ObjectVal(map[string]cty.Value{"candidate": cty.NumberFloatVal(0.95)}), fns))
	if diags.HasErrors() || !got.True() {
		t.Errorf("value %#v, diagnostics %v", got, diags)
	}
	_, diags = expr.Value(d.Context(cty.ObjectVal(map[string]cty.Value{}), fns))
	if !diags.HasErrors() || diags[0].Subject.Start.Line != 12 || !strings.Contains(diags.Error(), "candidate") {
		t.Errorf("a missing attribute of self should be reported on line 12: %v", diags)
	}
	for _, bad := range []cty.Value{cty.NullVal(cty.DynamicPseudoType), cty.StringVal("x > 1"), cty.EmptyObjectVal} {
		if _, ok := lang.DecodeDeferred(bad); ok {
			t.Errorf("DecodeDeferred accepted %#v", bad)
		}
	}
}
