package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mltf/mltf/internal/e2e"
)

// realPipelineConfig is a two-step pipeline on the real node: clean reads
// a CSV file of this machine (dataset raw), features reads clean's output,
// and the dataset features is made from features' output. Both steps
// share one code directory, each with its own file.
const realPipelineConfig = realClusterConfig + `
dataset "raw" {
  source = "data/raw.csv"
  format = "csv"
}

pipeline "prep" {
  pool = cluster.real.pool.cpu
  step "clean" {
    code       = "./steps"
    code_files = ["clean.py"]
    image      = %[3]q
    command    = ["python3", "clean.py"]
    inputs     = { raw = dataset.raw }
    outputs    = ["clean.csv"]
  }
  step "features" {
    code       = "./steps"
    code_files = ["features.py"]
    image      = %[3]q
    command    = ["python3", "features.py"]
    inputs     = { clean = step.clean.outputs["clean.csv"] }
    outputs    = ["features.csv"]
  }
}

dataset "features" {
  source = pipeline.prep.outputs["features.features.csv"]
  format = "csv"
}

output "rows" { value = dataset.features.row_count }
output "features" { value = pipeline.prep.outputs["features.features.csv"] }
output "runs" { value = { for name, s in pipeline.prep.steps : name => s.run_id } }
`

const cleanScript = `import csv, os
rows = list(csv.reader(open(os.environ["MLTF_INPUT_RAW"])))
with open(os.path.join(os.environ["MLTF_OUTPUT_DIR"], "clean.csv"), "w") as f:
    for r in rows:
        if all(x.strip() for x in r):
            f.write(",".join(r) + "\n")
print("clean: kept rows of", os.environ["MLTF_INPUT_RAW"], flush=True)
`

const featuresScript = `import csv, os
rows = list(csv.reader(open(os.environ["MLTF_INPUT_CLEAN"])))
os.makedirs(os.environ["MLTF_OUTPUT_DIR"], exist_ok=True)
with open(os.path.join(os.environ["MLTF_OUTPUT_DIR"], "features.csv"), "w") as f:
    f.write(",".join(rows[0] + ["sum"]) + "\n")
    for r in rows[1:]:
        f.write(",".join(r + [str(sum(int(x) for x in r))]) + "\n")
`

// TestRealPodsPipelineStepFiles runs a pipeline whose steps are pods on
// the real node: mltf copies clean's input (a file of this machine) into
// its pod, and its output out of the pod into the artifact store, from
// where it goes into features' pod; features' output becomes a dataset.
// A second apply runs nothing; a change of clean's file reruns clean
// alone (its output comes out byte-identical); going back to the first
// file is a cache hit that starts no pod.
func TestRealPodsPipelineStepFiles(t *testing.T) {
	_, image := realNode(t)
	r := newRealRun(t, "real-pipe", map[string]string{
		"steps/clean.py":    cleanScript,
		"steps/features.py": featuresScript,
		"data/raw.csv":      "a,b\n1,2\n3,\n5,6\n7,8\n",
	})
	r.write("main.mltf.hcl", fmt.Sprintf(realPipelineConfig, os.Getenv("KUBECONFIG"), r.ns, image))
	ctx := context.Background()
	runs := func() map[string]string {
		var m map[string]string
		if err := json.Unmarshal([]byte(r.mltf(0, time.Minute, "output", "-json", "runs").Stdout), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	jobs := func() int {
		l, err := r.kube.BatchV1().Jobs(r.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Items)
	}

	start := time.Now()
	apply := r.mltf(0, 8*time.Minute, "apply", "-auto-approve")
	t.Logf("MEASURE a 2-step pipeline as pods on the real node, files copied in and out through the API: mltf apply %s", time.Since(start).Round(time.Second))
	out := apply.Stdout + apply.Stderr
	if got := r.mltf(0, time.Minute, "output", "-raw", "rows").Stdout; got != "3" {
		t.Errorf("the dataset made from features' output has %s rows, want 3\n%s", got, out)
	}
	uri := r.mltf(0, time.Minute, "output", "-raw", "features").Stdout
	b, err := os.ReadFile(strings.TrimPrefix(uri, "file://"))
	if err != nil {
		t.Fatalf("features' output at %s: %v", uri, err)
	}
	if want := "a,b,sum\n1,2,3\n5,6,11\n7,8,15\n"; string(b) != want {
		t.Errorf("features' output %q, want %q", b, want)
	}
	first := runs()
	// Each step's output, copied out of its pod into the run's artifacts.
	for step, file := range map[string]string{"clean": "clean.csv", "features": "features.csv"} {
		if _, err := os.Stat(filepath.Join(r.dir, ".mltf", "artifacts", "runs", first[step], file)); err != nil {
			t.Errorf("step %s: %v", step, err)
		}
	}
	r.mltf(0, 2*time.Minute, "plan", "-detailed-exitcode")

	// clean's file changes, its output does not: clean alone runs, and
	// features keeps its run.
	r.write("steps/clean.py", cleanScript+"# reads raw\n")
	plan := r.mltf(2, 2*time.Minute, "plan", "-detailed-exitcode").Stdout
	if !strings.Contains(plan, "because step clean: code changed (1 file)") || !strings.Contains(plan, "because step features: runs because clean's output will change (unless it comes out byte-identical)") {
		t.Errorf("plan after clean.py changed:\n%s", plan)
	}
	r.mltf(0, 8*time.Minute, "apply", "-auto-approve")
	second := runs()
	if second["clean"] == first["clean"] || second["features"] != first["features"] {
		t.Errorf("runs after clean.py changed %v, first %v: want a new run of clean only", second, first)
	}

	// Back to the first file: the first run's outputs, no pod.
	r.write("steps/clean.py", cleanScript)
	before := jobs()
	plan = r.mltf(2, 2*time.Minute, "plan", "-detailed-exitcode").Stdout
	if !strings.Contains(plan, "because step clean: cached: same inputs as run "+first["clean"][:8]) {
		t.Errorf("plan back to the first clean.py:\n%s", plan)
	}
	r.mltf(0, 2*time.Minute, "apply", "-auto-approve")
	if got := runs(); got["clean"] != first["clean"] || got["features"] != first["features"] {
		t.Errorf("runs back to the first clean.py %v, want the first %v", got, first)
	}
	if n := jobs(); n != before {
		t.Errorf("a cache hit created %d Jobs", n-before)
	}

	// A declared output the step does not write fails the step, saying
	// which, and the pod does not wait for a copy.
	r.write("steps/features.py", "print('features: nothing to write')\n")
	res := r.mltf(1, 8*time.Minute, "apply", "-auto-approve")
	if all := res.Stdout + res.Stderr; !strings.Contains(all, "the step wrote no features.csv under MLTF_OUTPUT_DIR") || !strings.Contains(all, "Step failed") {
		t.Errorf("apply of a step that writes no output:\n%s", all)
	}
}

// TestRealPodsPipelineResumesAfterKill kills mltf apply (SIGKILL) while a
// step's pod runs on the real node: the next apply re-attaches to the
// step's run, copies its output out of the pod, and finishes the pipeline
// without starting the step again.
func TestRealPodsPipelineResumesAfterKill(t *testing.T) {
	_, image := realNode(t)
	r := newRealRun(t, "real-pipekill", map[string]string{
		"steps/clean.py":    "import time\ntime.sleep(15)\n" + cleanScript,
		"steps/features.py": featuresScript,
		"data/raw.csv":      "a,b\n1,2\n3,\n5,6\n7,8\n",
	})
	r.write("main.mltf.hcl", fmt.Sprintf(realPipelineConfig, os.Getenv("KUBECONFIG"), r.ns, image))
	ctx := context.Background()
	cleanJobs := func() []string {
		l, err := r.kube.BatchV1().Jobs(r.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range l.Items {
			if strings.Contains(j.Name, "step-clean") {
				out = append(out, j.Labels[labelRunID])
			}
		}
		return out
	}
	cmd := exec.Command(e2e.Binary(t), "apply", "-auto-approve")
	cmd.Dir = r.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "step clean's pod running", 3*time.Minute, func() bool {
		pods, err := r.kube.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		for _, p := range pods.Items {
			if strings.Contains(p.Name, "step-clean") && containerRunning(&p) {
				return true
			}
		}
		return false
	})
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	launched := cleanJobs()
	if len(launched) != 1 {
		t.Fatalf("Jobs of step clean when mltf was killed: %v", launched)
	}

	r.mltf(0, 8*time.Minute, "apply", "-auto-approve")
	if got := r.mltf(0, time.Minute, "output", "-raw", "rows").Stdout; got != "3" {
		t.Errorf("the dataset made from features' output has %s rows, want 3", got)
	}
	var runs map[string]string
	if err := json.Unmarshal([]byte(r.mltf(0, time.Minute, "output", "-json", "runs").Stdout), &runs); err != nil {
		t.Fatal(err)
	}
	if all := cleanJobs(); len(all) != 1 || runs["clean"] != launched[0] {
		t.Errorf("step clean's Jobs %v, its run in the state %s: want the one run launched before the kill", all, runs["clean"])
	}
	r.mltf(0, 2*time.Minute, "plan", "-detailed-exitcode")
}
