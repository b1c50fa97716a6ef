package kubernetes

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

func TestDecodeTrainingErrors(t *testing.T) {
	opts := func(m map[string]cty.Value) cty.Value { return cty.ObjectVal(m) }
	tests := []struct {
		name string
		set  map[string]cty.Value
		want string // summary of the one error
		path string
	}{
		{"no image", map[string]cty.Value{"image": cty.NullVal(cty.String)}, "Missing image", "image"},
		{"pods larger than nodes", map[string]cty.Value{"distributed": cty.ObjectVal(map[string]cty.Value{"nodes": cty.NumberIntVal(1), "procs_per_node": cty.NumberIntVal(16)})},
			"Pods do not fit the pool's nodes", "distributed"},
		{"unknown priority", map[string]cty.Value{"options": opts(map[string]cty.Value{"priority": cty.StringVal("urgent")})}, "Unknown priority", "options.priority"},
		{"bad shm", map[string]cty.Value{"options": opts(map[string]cty.Value{"shm_size": cty.StringVal("lots")})}, "Invalid shm_size", "options.shm_size"},
		{"bad toleration", map[string]cty.Value{"options": opts(map[string]cty.Value{"tolerations": cty.ListVal([]cty.Value{cty.MapVal(map[string]cty.Value{"operator": cty.StringVal("Maybe")})})})},
			"Invalid toleration", "options.tolerations[0]"},
		{"relative working dir", map[string]cty.Value{"options": opts(map[string]cty.Value{"working_dir": cty.StringVal("work")})}, "Invalid working_dir", "options.working_dir"},
		{"not an nccl setting", map[string]cty.Value{"distributed": cty.ObjectVal(map[string]cty.Value{"nccl": cty.MapVal(map[string]cty.Value{"FOO": cty.StringVal("1")})})},
			"Not an NCCL setting", `distributed.nccl["FOO"]`},
		{"local pool", map[string]cty.Value{"pool": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("cpu"), "provider": cty.StringVal("local"), "namespace": cty.StringVal("x"), "slots": cty.NumberIntVal(2)})},
			"Pool of another provider", "pool"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := decodeTraining(trainingVal(tc.set))
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary+" @ "+schema.FormatPath(d.Attribute))
			}
			if d := cmp.Diff([]string{tc.want + " @ " + tc.path}, got); d != "" {
				t.Errorf("diagnostics (-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeClusterErrors(t *testing.T) {
	pool := func(m map[string]cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"namespace": cty.StringVal("ml"), "pool": cty.MapVal(map[string]cty.Value{"a100": cty.ObjectVal(m)})})
	}
	tests := []struct {
		name string
		v    cty.Value
		want string
	}{
		{"bad namespace", cty.ObjectVal(map[string]cty.Value{"namespace": cty.StringVal("ML_Team")}), "Invalid namespace @ namespace"},
		{"bad capacity", pool(map[string]cty.Value{"capacity": cty.StringVal("cheap")}), `Invalid capacity @ pool["a100"].capacity`},
		{"bad consolidate_after", pool(map[string]cty.Value{"consolidate_after": cty.StringVal("soon")}), `Invalid duration @ pool["a100"].consolidate_after`},
		{"bad quota memory", cty.ObjectVal(map[string]cty.Value{"quota": cty.ObjectVal(map[string]cty.Value{"memory": cty.StringVal("much")})}), "Invalid memory @ quota.memory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := decodeCluster(tc.v)
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary+" @ "+schema.FormatPath(d.Attribute))
			}
			if d := cmp.Diff([]string{tc.want}, got); d != "" {
				t.Errorf("diagnostics (-want +got):\n%s", d)
			}
		})
	}
}

func TestClusterObjects(t *testing.T) {
	c, diags := decodeCluster(testClusterConfig("ml", 16, map[string]cty.Value{"high": cty.NumberIntVal(1000)}))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tests := []struct {
		name             string
		karpenter, kueue bool
		want             string
		skipped          int
	}{
		{"plain", false, false, "Namespace ml, ResourceQuota mltf-quota, LimitRange mltf-defaults, PriorityClass mltf-ml-high, ServiceAccount mltf-training, Role mltf-training, RoleBinding mltf-training", 2},
		{"karpenter and kueue", true, true, "Namespace ml, ResourceQuota mltf-quota, LimitRange mltf-defaults, PriorityClass mltf-ml-high, ServiceAccount mltf-training, Role mltf-training, RoleBinding mltf-training, Karpenter NodePool mltf-ml-a100, Kueue ResourceFlavor mltf-ml-a100, Kueue ClusterQueue mltf-ml, Kueue LocalQueue mltf", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &clusterSpec{Address: "cluster.gpu", Namespace: "ml", Config: c, Karpenter: tc.karpenter, Kueue: tc.kueue}
			objs, skipped := s.objects()
			if d := cmp.Diff(tc.want, describeObjects(objs)); d != "" {
				t.Errorf("objects (-want +got):\n%s", d)
			}
			if len(skipped) != tc.skipped {
				t.Errorf("skipped %v", skipped)
			}
			for _, o := range objs {
				if o.Obj.GetLabels()[labelManagedBy] != "mltf" {
					t.Errorf("%s lacks the managed-by label", o.About)
				}
				if o.About == "Karpenter NodePool mltf-ml-a100" {
					spec := o.Obj.Object["spec"].(map[string]any)
					if spec["disruption"].(map[string]any)["consolidationPolicy"] != "WhenEmptyOrUnderutilized" || spec["limits"].(map[string]any)["nvidia.com/gpu"] != "32" {
						t.Errorf("nodepool spec %v", spec)
					}
					if !strings.Contains(fmt.Sprint(spec["template"]), "values:[spot]") {
						t.Errorf("nodepool does not ask for spot capacity: %v", spec["template"])
					}
				}
			}
		})
	}
}

func TestParseMetric(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		want metricLine
	}{
		{`mltf.metric {"step": 10, "total": 100, "loss": 0.5, "note": "x"}`, true, metricLine{Step: 10, Total: 100, Values: map[string]float64{"loss": 0.5}}},
		{`[rank 3] mltf.metric {"step": 1, "loss": 1}`, false, metricLine{}},
		{`mltf.metric not json`, false, metricLine{}},
		{`epoch 3 done`, false, metricLine{}},
	}
	for _, tc := range tests {
		got, ok := parseMetric(tc.line)
		if ok != tc.ok {
			t.Errorf("%q: ok %v", tc.line, ok)
			continue
		}
		if d := cmp.Diff(tc.want, got); ok && d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.line, d)
		}
	}
}
