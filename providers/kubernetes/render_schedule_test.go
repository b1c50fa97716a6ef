package kubernetes

import (
	"context"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	batchv1 "k8s.io/api/batch/v1"

	"github.com/mltf/mltf/kinds/pipeline"
	"github.com/mltf/mltf/kinds/pipeline/schedule"
)

func TestConcurrencyPolicy(t *testing.T) {
	for c, want := range map[string]batchv1.ConcurrencyPolicy{
		schedule.Allow: batchv1.AllowConcurrent, schedule.Forbid: batchv1.ForbidConcurrent, schedule.Replace: batchv1.ReplaceConcurrent,
	} {
		if got := concurrencyPolicy(c); got != want {
			t.Errorf("%s: %s, want %s", c, got, want)
		}
	}
}

func TestScheduleNames(t *testing.T) {
	s := &scheduleSpec{Address: `pipeline.a_very_long_pipeline_name_indeed["x"]`, Workspace: "a-long-workspace-name"}
	if n := s.name(); len(n) > 52 || !strings.HasPrefix(n, "mltf-pipeline-a-very-long") {
		t.Errorf("name %q (%d characters; a CronJob's has at most 52)", n, len(n))
	}
}

// TestScheduleEvery: @every has no CronJob equivalent, so the plan says so.
func TestScheduleEvery(t *testing.T) {
	every, err := schedule.Parse("@every 6h", "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	p := NewWithOptions(Options{})
	j := &cronJobs{p: p}
	_, diags := j.Plan(context.Background(), "pipeline.p", &pipeline.Config{Pool: testPool("ml"), Schedule: &every})
	var got []string
	for _, d := range diags {
		got = append(got, d.Summary)
	}
	if want := "Not a Kubernetes schedule, Missing mltf_image"; !strings.HasPrefix(strings.Join(got, ", "), want) {
		t.Errorf("diagnostics %q, want them to start with %q", strings.Join(got, ", "), want)
	}
}

// testPool is a pool of a kubernetes cluster in namespace ns, as the
// cluster kind hands it over.
func testPool(ns string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("cpu"), "provider": cty.StringVal(providerName), "namespace": cty.StringVal(ns)})
}
