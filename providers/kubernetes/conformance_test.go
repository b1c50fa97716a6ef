package kubernetes

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/providertest"
)

// TestConformance runs the provider conformance suite against the
// kubernetes provider as mltf runs it, a plugin process of the mltf
// binary over gRPC, on the control plane of scripts/testcluster: a
// cluster (namespace, quota, priority classes, role binding) and a
// training whose pods kwok runs and finishes; cancelling a training whose
// pods never finish, by context and by Stop.
//
// This file sorts before live_test.go, whose Kueue test suspends later
// Jobs.
func TestConformance(t *testing.T) {
	liveCluster(t)
	ctx := context.Background()
	work := t.TempDir()
	if err := os.CopyFS(filepath.Join(work, "code"), os.DirFS("testdata/code")); err != nil {
		t.Fatal(err)
	}
	const ns = "mltf-it-conformance"
	settings := func(*testing.T) providers.Settings {
		return providers.Settings{WorkDir: work, Workspace: "default",
			TrackingURL: "sqlite://" + filepath.Join(work, "tracking.db"), ArtifactsURL: "file://" + filepath.Join(work, "artifacts")}
	}
	config := cty.ObjectVal(map[string]cty.Value{"namespace": cty.StringVal(ns), "kubeconfig": cty.NullVal(cty.String),
		"context": cty.NullVal(cty.String), "mltf_image": cty.NullVal(cty.String)})

	// The trainings run on a cluster of their own, applied here: the
	// cluster case below destroys its namespace.
	p := e2e.BundledProvider(t, "kubernetes")
	sr := p.GetSchema(ctx)
	if sr.Diagnostics.HasErrors() {
		t.Fatal(sr.Diagnostics)
	}
	value := func(kind string, v cty.Value) cty.Value {
		t.Helper()
		ty := sr.Kinds[kind].Block.ImpliedType()
		out, err := convert.Convert(complete(v, ty), ty)
		if err != nil {
			t.Fatalf("%s configuration: %v", kind, err)
		}
		return out
	}
	if r := p.Configure(ctx, providers.ConfigureRequest{Config: config, Settings: settings(t)}); r.Diagnostics.HasErrors() {
		t.Fatal(r.Diagnostics)
	}
	base := value(kindCluster, testClusterConfig(ns, 32, nil))
	planned := p.PlanChange(ctx, providers.PlanChangeRequest{Kind: kindCluster, Address: "cluster.base",
		Prior: cty.NullVal(base.Type()), Config: base, Proposed: base})
	if planned.Diagnostics.HasErrors() {
		t.Fatal(planned.Diagnostics)
	}
	applied := p.ApplyChange(ctx, providers.ApplyChangeRequest{Kind: kindCluster, Address: "cluster.base",
		Prior: cty.NullVal(base.Type()), Planned: planned.Planned, PlannedPrivate: planned.PlannedPrivate, Config: base})
	if applied.Diagnostics.HasErrors() {
		t.Fatal(applied.Diagnostics)
	}
	t.Cleanup(func() {
		d := p.ApplyChange(ctx, providers.ApplyChangeRequest{Kind: kindCluster, Address: "cluster.base",
			Prior: applied.New, PriorPrivate: applied.Private, Planned: cty.NullVal(base.Type()), Config: cty.NullVal(base.Type())})
		if d.Diagnostics.HasErrors() {
			t.Errorf("destroying the trainings' cluster: %v", d.Diagnostics)
		}
	})
	pool := poolOf(applied.New, "a100")
	training := func(annotations map[string]cty.Value, lr float64) cty.Value {
		return value(kindTraining, trainingVal(map[string]cty.Value{
			"pool":   pool,
			"code":   cty.StringVal(filepath.Join(work, "code")),
			"image":  cty.StringVal("registry.example/train@sha256:0123"),
			"params": cty.ObjectVal(map[string]cty.Value{"lr": cty.NumberFloatVal(lr)}),
			"options": cty.ObjectVal(map[string]cty.Value{"annotations": cty.MapVal(annotations),
				"checkpoint_uri": cty.StringVal("s3://bucket/ckpt")}),
		}))
	}
	succeeds := map[string]cty.Value{"kwok.mltf.dev/outcome": cty.StringVal("succeed"), "kwok.mltf.dev/after": cty.StringVal("2s")}
	runs := map[string]cty.Value{"mltf.dev/test": cty.StringVal("runs until cancelled")}

	providertest.Run(t, func(t *testing.T) providers.Interface { return e2e.BundledProvider(t, "kubernetes") }, providertest.Cases{
		Config:   config,
		Settings: settings,
		Resources: []providertest.Case{
			{Name: "gpu", Kind: kindCluster,
				Config: value(kindCluster, testClusterConfig(ns+"-cluster", 16, nil)),
				Update: value(kindCluster, testClusterConfig(ns+"-cluster", 24, nil))},
			{Name: "mlp", Kind: kindTraining, Config: training(succeeds, 0.05), Update: training(succeeds, 0.1)},
		},
		Cancel:       []providertest.Case{{Name: "long", Kind: kindTraining, Config: training(runs, 0.2)}},
		CancelWithin: 30 * time.Second,
	})
}

// complete adds the attributes that v leaves out of ty as nulls, at every
// level, so that v converts to ty.
func complete(v cty.Value, ty cty.Type) cty.Value {
	if v.IsNull() || !v.IsKnown() {
		return v
	}
	switch {
	case ty.IsObjectType() && v.Type().IsObjectType():
		m := v.AsValueMap()
		if m == nil {
			m = map[string]cty.Value{}
		}
		for name, aty := range ty.AttributeTypes() {
			if x, ok := m[name]; ok {
				m[name] = complete(x, aty)
			} else {
				m[name] = cty.NullVal(aty)
			}
		}
		return cty.ObjectVal(m)
	case ty.IsMapType() && (v.Type().IsMapType() || v.Type().IsObjectType()):
		m := map[string]cty.Value{}
		for k, x := range v.AsValueMap() {
			m[k] = complete(x, ty.ElementType())
		}
		if len(m) == 0 {
			return v
		}
		return cty.ObjectVal(m)
	case ty.IsListType() && (v.Type().IsListType() || v.Type().IsTupleType()):
		var l []cty.Value
		for _, x := range v.AsValueSlice() {
			l = append(l, complete(x, ty.ElementType()))
		}
		if len(l) == 0 {
			return v
		}
		return cty.TupleVal(l)
	}
	return v
}
