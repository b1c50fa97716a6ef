package plan_test

import (
	"testing"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
)

// FuzzDecodePlan checks that no plan file, however broken, panics the
// decoder, and that a decoded plan encodes again.
func FuzzDecodePlan(f *testing.F) {
	f.Add([]byte(`{"format_version":1,"config":{"main.mltf.hcl":"experiment \"a\" {}"},"changes":[{"address":"experiment.a","action":"+"}],"applyable":true}`))
	f.Add([]byte(`{"format_version":1,"config":{"m.mltf.hcl":"variable \"x\" {}"},"variables":{"x":"gqR0eXBlkqFzoXM="}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`not json`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, diags := plan.DecodePlan(b, dir, lang.BuiltinKinds)
		if diags.HasErrors() {
			return
		}
		if _, err := plan.EncodePlan(cs, "fuzz"); err != nil {
			t.Fatalf("a decoded plan does not encode: %v", err)
		}
	})
}
