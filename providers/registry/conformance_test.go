package registry_test

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/providertest"
)

// TestConformance runs the provider conformance suite against the registry
// provider as mltf runs it: a plugin process of the mltf binary over gRPC.
func TestConformance(t *testing.T) {
	newProvider := func(t *testing.T) providers.Interface { return e2e.BundledProvider(t, "registry") }
	providertest.Run(t, newProvider, providertest.Cases{
		Settings: func(t *testing.T) providers.Settings {
			dir := t.TempDir()
			return providers.Settings{WorkDir: dir, TrackingURL: "sqlite://.mltf/tracking.db"}
		},
		Resources: []providertest.Case{{
			Name: "experiment",
			Kind: "experiment",
			Config: cty.ObjectVal(map[string]cty.Value{
				"name":        cty.StringVal("digits"),
				"description": cty.StringVal("a test"),
				"tags":        cty.MapVal(map[string]cty.Value{"team": cty.StringVal("ml")}),
				"id":          cty.NullVal(cty.String),
			}),
			Update: cty.ObjectVal(map[string]cty.Value{
				"name":        cty.StringVal("digits"),
				"description": cty.StringVal("changed"),
				"tags":        cty.NullVal(cty.Map(cty.String)),
				"id":          cty.NullVal(cty.String),
			}),
			ImportID: func(st cty.Value) string { return st.GetAttr("id").AsString() },
		}},
	})
}
