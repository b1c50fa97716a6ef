package registry_test

import (
	"context"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin"
	"github.com/mltf/mltf/providers/providertest"
)

// TestConformance runs the provider conformance suite against the registry
// provider as mltf runs it: a plugin process of the mltf binary over gRPC.
func TestConformance(t *testing.T) {
	bin := e2e.Binary(t)
	newProvider := func(t *testing.T) providers.Interface {
		p, err := plugin.Start(context.Background(), "registry", []string{bin, "internal-provider", "registry"}, "", hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
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
