package kubernetes

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
)

// sweepConfig is the configuration of TestLiveCLISweep: a sweep of three
// trials, each a 1-pod training on the fake GPU nodes that kwok completes
// after 1 s. The first %s is the kubeconfig, the second the namespace.
const sweepConfig = `
provider "kubernetes" {
  kubeconfig = %q
  namespace  = %q
}

cluster "gpu" {
  provider = kubernetes
  pool "a100" {
    gpus_per_node = 8
    node_selector = { "mltf.dev/test-pool" = "gpu" }
    max_nodes     = 4
  }
}

experiment "e" {}

sweep "s" {
  experiment = experiment.e
  pool       = cluster.gpu.pool.a100
  trial {
    image   = "registry.example/train@sha256:0123"
    code    = "./src"
    command = ["python3", "train.py"]
    options {
      annotations = { "kwok.mltf.dev/outcome" = "succeed", "kwok.mltf.dev/after" = "1s" }
    }
  }
  param "hidden" { values = [32, 64, 128] }
  objective {
    metric = "accuracy"
    goal   = "maximize"
  }
  sampler  = "grid"
  trials   = 3
  parallel = 2
}

output "best" { value = sweep.s.best.value }
`

// TestLiveCLISweep runs a sweep on Kubernetes through the mltf binary: each
// trial is a run of the run flow there (an Indexed Job, metrics from the
// pods' logs), the sweep ends with its best trial, and destroying it
// leaves nothing of any trial in the namespace.
func TestLiveCLISweep(t *testing.T) {
	cfg := liveCluster(t)
	kube := kubernetes.NewForConfigOrDie(cfg)
	ns := "mltf-it-sweep-" + strconv.FormatInt(time.Now().UnixNano()%(36*36*36*36), 36)
	writePodLog(t, criLog("=== mltf: attempt 1 ===",
		`mltf.metric {"step": 1, "total": 2, "accuracy": 0.5}`,
		`mltf.metric {"step": 2, "total": 2, "accuracy": 0.8125}`))
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "train.py"), []byte("print('never runs: kwok plays the container')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(fmt.Sprintf(sweepConfig, os.Getenv("KUBECONFIG"), ns)), 0o644); err != nil {
		t.Fatal(err)
	}
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			runMLTF(t, dir, -1, time.Minute, "destroy", "-auto-approve")
		}
	})
	plan := runMLTF(t, dir, 2, time.Minute, "plan", "-detailed-exitcode")
	if !strings.Contains(plan.Stdout, "because new sweep: 3 trials (grid, seed 0), 2 at a time") {
		t.Errorf("plan:\n%s", plan.Stdout)
	}
	runMLTF(t, dir, 0, 3*time.Minute, "apply", "-auto-approve")
	show := runMLTF(t, dir, 0, time.Minute, "sweeps", "show", "s").Stdout
	if !strings.Contains(show, "3 of 3 trials: 3 complete, 0 pruned, 0 failed, 0 running") || strings.Count(show, "0.8125") != 3 {
		t.Errorf("sweeps show:\n%s", show)
	}
	if best := runMLTF(t, dir, 0, time.Minute, "output", "-raw", "best").Stdout; best != "0.8125" {
		t.Errorf("best = %q, want the accuracy of the pods' logs", best)
	}
	runs := runMLTF(t, dir, 0, time.Minute, "runs", "list").Stdout
	if n := strings.Count(runs, "sweep.s/trial/"); n != 3 {
		t.Errorf("%d runs of the sweep's trials in the tracking store, want 3:\n%s", n, runs)
	}
	if left := namespaceLeftovers(t, kube, ns); len(left) == 0 {
		t.Errorf("no Job, Service or pod of the trials in %s after the apply", ns)
	}
	runMLTF(t, dir, 0, 3*time.Minute, "destroy", "-auto-approve")
	destroyed = true
	if left := namespaceLeftovers(t, kube, ns); len(left) > 0 {
		t.Errorf("destroy left %v in %s", left, ns)
	}
}
