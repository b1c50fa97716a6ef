package local

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/providertest"
)

// TestConformance runs the provider conformance suite against the local
// provider as mltf runs it: a plugin process of the mltf binary over gRPC,
// whose trainings run under the binary's own supervisor.
func TestConformance(t *testing.T) {
	newProvider := func(t *testing.T) providers.Interface { return e2e.BundledProvider(t, "local") }
	clusterType := clusterSchema().ImpliedType()
	poolType := clusterSchema().Blocks["pool"].Block.ImpliedType()
	cluster := func(slots int64) cty.Value {
		return conform(cty.ObjectVal(map[string]cty.Value{
			"pool": cty.MapVal(map[string]cty.Value{"cpu": conform(cty.ObjectVal(map[string]cty.Value{
				"slots": cty.NumberIntVal(slots), "gpus": cty.NullVal(cty.Number),
			}), poolType)}),
		}), clusterType)
	}
	pool := cty.ObjectVal(map[string]cty.Value{
		"slots": cty.NumberIntVal(2), "gpus": cty.NumberIntVal(0), "name": cty.StringVal("cpu"),
		"cluster_id": cty.StringVal("local-test"), "provider": cty.StringVal("local"),
	})
	training := func(script string, x float64) cty.Value {
		vars := shellVars(pool, script)
		vars["x"] = cty.NumberFloatVal(x)
		return config(t, "shell.mltf.hcl", vars)
	}
	providertest.Run(t, newProvider, providertest.Cases{
		Settings: func(t *testing.T) providers.Settings {
			work, runs := shellWork(t)
			return providers.Settings{WorkDir: work, Workspace: "default", RunsDir: runs,
				ArtifactsURL: "file://" + filepath.Join(filepath.Dir(runs), "artifacts")}
		},
		Resources: []providertest.Case{
			{Name: "dev", Kind: "cluster", Config: cluster(2), Update: cluster(3)},
			{Name: "mlp", Kind: "training", Config: training("echo hi", 0.05), Update: training("echo hi", 0.1)},
		},
		Cancel: []providertest.Case{
			{Name: "long", Kind: "training", Config: training("sleep 20", 0.05)},
		},
		CancelWithin: 10 * time.Second,
	})
}
