package kubernetes

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
)

// A pipeline step's pod: its inputs that are files of this machine point
// into /mltf/inputs, an emptyDir mltf copies them into; its declared
// outputs reach the launcher, which waits for them to be copied out. A
// training has neither.
func TestRenderStepFiles(t *testing.T) {
	_, objs := renderFor(t, trainingVal(map[string]cty.Value{"env": cty.MapVal(map[string]cty.Value{
		"MLTF_INPUT_RAW":   cty.StringVal("/home/me/project/data/raw.csv"),
		"MLTF_INPUT_CLEAN": cty.StringVal("/home/me/project/.mltf/artifacts/cas/sha256/ab12/clean.csv"),
		"MLTF_INPUT_REF":   cty.StringVal("s3://bucket/ref.csv"),
		"MLTF_OUTPUTS":     cty.StringVal("features.csv\nstats/summary.json"),
	})}))
	pod := objs.Job.Spec.Template.Spec
	env := envMap(pod.Containers[0])
	got := map[string]string{}
	for _, k := range []string{"MLTF_INPUT_RAW", "MLTF_INPUT_CLEAN", "MLTF_INPUT_REF", "MLTF_STAGED_INPUTS", "MLTF_COPY_WAIT", "MLTF_OUTPUTS", "MLTF_OUTPUT_DIR"} {
		got[k] = env[k]
	}
	want := map[string]string{
		"MLTF_INPUT_RAW":     "/mltf/inputs/MLTF_INPUT_RAW/raw.csv",
		"MLTF_INPUT_CLEAN":   "/mltf/inputs/MLTF_INPUT_CLEAN/clean.csv",
		"MLTF_INPUT_REF":     "s3://bucket/ref.csv",
		"MLTF_STAGED_INPUTS": "/mltf/inputs",
		"MLTF_COPY_WAIT":     "600",
		"MLTF_OUTPUTS":       "features.csv\nstats/summary.json",
		"MLTF_OUTPUT_DIR":    "/mltf/output/artifacts",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	mounted := false
	for _, m := range pod.Containers[0].VolumeMounts {
		mounted = mounted || m.Name == "inputs" && m.MountPath == "/mltf/inputs"
	}
	if !mounted {
		t.Errorf("no inputs volume at /mltf/inputs: %+v", pod.Containers[0].VolumeMounts)
	}

	_, objs = renderFor(t, trainingVal(nil))
	env = envMap(objs.Job.Spec.Template.Spec.Containers[0])
	for _, k := range []string{"MLTF_STAGED_INPUTS", "MLTF_COPY_WAIT", "MLTF_OUTPUTS"} {
		if v, ok := env[k]; ok {
			t.Errorf("a training's pod has %s=%q", k, v)
		}
	}
	for _, v := range objs.Job.Spec.Template.Spec.Volumes {
		if v.Name == "inputs" {
			t.Errorf("a training's pod has the inputs volume")
		}
	}
}
