package sdk

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
)

// TestGetSchemaDeclaresKinds checks that the kind table of an SDK
// provider is what GetSchema declares, with what the engine must know.
func TestGetSchemaDeclaresKinds(t *testing.T) {
	p := &Provider{Kinds: map[string]*Kind{
		"run":    {Schema: runSchema(), Version: 2, LongRunning: true, Import: func(context.Context, *Import) (cty.Value, providers.Diagnostics) { return cty.NilVal, nil }},
		"marker": {Schema: runSchema()},
	}}
	r := p.GetSchema(context.Background())
	if r.Diagnostics.HasErrors() {
		t.Fatalf("GetSchema: %v", r.Diagnostics)
	}
	got := map[string][3]any{}
	for name, k := range r.Kinds {
		got[name] = [3]any{k.Version, k.Importable, k.LongRunning}
	}
	want := map[string][3]any{
		"run":    {int64(2), true, true},
		"marker": {int64(0), false, false},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("declared kinds (-want +got):\n%s", d)
	}
}
