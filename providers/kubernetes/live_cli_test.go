package kubernetes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/kinds/training"
)

// cliConfig is the configuration of TestLiveCLILifecycle: a 2-node
// training on the fake GPU nodes of the test control plane, whose pods kwok
// completes after 2 s. The first %s is the kubeconfig, the second the
// namespace.
const cliConfig = `
provider "kubernetes" {
  kubeconfig = %q
  namespace  = %q
}

cluster "gpu" {
  provider = kubernetes
  quota {
    gpus = 16
  }
  pool "a100" {
    gpus_per_node = 8
    node_selector = { "mltf.dev/test-pool" = "gpu" }
    max_nodes     = 4
  }
}

experiment "e" {}

training "t" {
  experiment = experiment.e
  pool       = cluster.gpu.pool.a100
  image      = "registry.example/train@sha256:0123"
  code       = "./src"
  command    = ["python3", "train.py"]
  params     = { lr = 0.1 }
  distributed {
    nodes          = 2
    procs_per_node = 1
  }
  options {
    annotations    = { "kwok.mltf.dev/outcome" = "succeed", "kwok.mltf.dev/after" = "2s" }
    checkpoint_uri = "s3://bucket/ckpt"
  }
}

output "accuracy" { value = training.t.metrics["accuracy"] }
output "status"   { value = training.t.status }
output "run_id"   { value = training.t.run_id }
`

// TestLiveCLILifecycle drives the provider through the mltf binary, as a
// user would: plan, apply, plan again without changes, destroy; then
// checks with client-go that nothing of the run is left in the namespace.
func TestLiveCLILifecycle(t *testing.T) {
	cfg := liveCluster(t)
	kube := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	ns := "mltf-it-cli-" + strconv.FormatInt(time.Now().UnixNano()%(36*36*36*36), 36)

	// What every fake container "prints": distinct metrics, so the ones
	// in the state can only come from the pod logs.
	writePodLog(t, criLog("=== mltf: attempt 1 ===",
		`mltf.metric {"step": 10, "total": 20, "loss": 0.75}`,
		`mltf.metric {"step": 20, "total": 20, "loss": 0.125, "accuracy": 0.875}`))

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "train.py"), []byte("print('never runs: kwok plays the container')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(cliConfig, os.Getenv("KUBECONFIG"), ns)
	if err := os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	mltf := func(want int, timeout time.Duration, args ...string) e2e.Result {
		t.Helper()
		return runMLTF(t, dir, want, timeout, args...)
	}
	// Whatever fails, leave no run or namespace behind for the other tests.
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			runMLTF(t, dir, -1, time.Minute, "destroy", "-auto-approve")
		}
	})

	// Plan: the three resources, and what the cluster skips without CRDs.
	plan := mltf(2, time.Minute, "plan", "-detailed-exitcode")
	want := []string{
		"# cluster.gpu will be created",
		"Namespace " + ns + ", ResourceQuota mltf-quota",
		"# experiment.e will be created",
		"# training.t will be created",
		"new run: 2 nodes × 1 proc (nccl), an Indexed Job of 2 pods and a headless Service in " + ns,
		"Plan: 3 to add, 0 to change, 0 to destroy.",
	}
	if hasGroup(kube, "karpenter.sh/v1") {
		t.Log("Karpenter's CRDs are installed: the plan skips no NodePool")
	} else {
		want = append(want, `skips Karpenter NodePool for pool "a100": the cluster has no karpenter.sh/v1 NodePool CRD`)
	}
	if hasGroup(kube, "kueue.x-k8s.io/v1beta1") {
		t.Log("Kueue's CRDs are installed: the plan skips no queue")
	} else {
		want = append(want, "skips Kueue ResourceFlavor, ClusterQueue and LocalQueue: the cluster has no kueue.x-k8s.io/v1beta1 CRDs")
	}
	for _, w := range want {
		if !strings.Contains(plan.Stdout, w) {
			t.Errorf("plan lacks %q:\n%s", w, plan.Stdout)
		}
	}
	if plan.Stderr != "" {
		t.Errorf("plan warns:\n%s", plan.Stderr)
	}

	// Apply: the run finishes with the metrics of the pod logs.
	start := time.Now()
	apply := mltf(0, 90*time.Second, "apply", "-auto-approve")
	t.Logf("MEASURE mltf apply -auto-approve (cluster, experiment, a 2-node run of 2 s): %s", time.Since(start).Round(time.Millisecond))
	for _, w := range []string{"training.t: Creation complete", "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."} {
		if !strings.Contains(apply.Stdout, w) {
			t.Errorf("apply lacks %q:\n%s", w, apply.Stdout)
		}
	}
	if got := mltf(0, time.Minute, "output", "-raw", "status").Stdout; got != training.StatusFinished {
		t.Fatalf("output status = %q, want %q\napply:\n%s", got, training.StatusFinished, apply.Stdout)
	}
	if got := mltf(0, time.Minute, "output", "-raw", "accuracy").Stdout; got != "0.875" {
		t.Errorf("output accuracy = %q, want 0.875 (the pod logs' last value)", got)
	}
	show := mltf(0, time.Minute, "state", "show", "training.t")
	flat := strings.Join(strings.Fields(show.Stdout), " ")
	for _, w := range []string{`"status": "finished"`, `"accuracy": 0.875`, `"loss": 0.125`, `"namespace": "` + ns + `"`} {
		if !strings.Contains(flat, w) {
			t.Errorf("state show training.t lacks %s:\n%s", w, show.Stdout)
		}
	}
	runID := mltf(0, time.Minute, "output", "-raw", "run_id").Stdout
	if len(runID) < 8 {
		t.Fatalf("output run_id = %q", runID)
	}
	jobs, err := kube.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{LabelSelector: runSelector(runID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs.Items) != 1 || jobs.Items[0].Status.Succeeded != 2 {
		t.Errorf("Jobs of run %s: %d, want 1 with 2 succeeded pods", runID, len(jobs.Items))
	}

	// The same configuration again: nothing to do, no second run.
	again := mltf(0, time.Minute, "plan", "-detailed-exitcode")
	if !strings.Contains(again.Stdout, "No changes.") {
		t.Errorf("second plan:\n%s", again.Stdout)
	}

	// Destroy: no Job, Service, pod or run ConfigMap is left.
	destroy := mltf(0, 90*time.Second, "destroy", "-auto-approve")
	destroyed = true
	if !strings.Contains(destroy.Stdout, "Destroy complete! Resources: 3 destroyed.") {
		t.Errorf("destroy:\n%s", destroy.Stdout)
	}
	if left := namespaceLeftovers(t, kube, ns); len(left) > 0 {
		t.Errorf("destroy left in %s: %v", ns, left)
	}
	if st := mltf(0, time.Minute, "state", "list").Stdout; strings.TrimSpace(st) != "" {
		t.Errorf("state list after destroy:\n%s", st)
	}
	// mltf created the namespace, so destroy deletes it.
	n, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err == nil && n.DeletionTimestamp == nil {
		t.Errorf("namespace %s is not being deleted", ns)
	}
}

// runMLTF runs the mltf binary in dir, killing it (and the provider
// plugins it started, in its process group) after timeout. A want of -1
// accepts any exit code.
func runMLTF(t *testing.T, dir string, want int, timeout time.Duration, args ...string) e2e.Result {
	t.Helper()
	bin := e2e.Binary(t) // built once, before the timeout of the command starts
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := e2e.Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("mltf %s: killed after %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), timeout, r.Stdout, r.Stderr)
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running mltf %s: %v", strings.Join(args, " "), err)
	}
	if want >= 0 && r.Code != want {
		t.Fatalf("mltf %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, want, r.Stdout, r.Stderr)
	}
	return r
}

// writePodLog sets what kwok serves as every container's log, and puts
// the previous content back after the test.
func writePodLog(t *testing.T, content string) {
	t.Helper()
	path := os.Getenv("MLTF_TESTCLUSTER_LOGS")
	if path == "" {
		path = filepath.Join(os.Getenv("MLTF_TESTCLUSTER_DIR"), "pod.log")
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the pod log of the test control plane (MLTF_TESTCLUSTER_DIR, set by scripts/test-kubernetes.sh): %v", err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile(path, old, 0o644) })
}

// hasGroup says whether the API server serves a group version.
func hasGroup(kube kubernetes.Interface, gv string) bool {
	_, err := kube.Discovery().ServerResourcesForGroupVersion(gv)
	return err == nil
}

// namespaceLeftovers lists every Job, Service and pod of the namespace,
// whoever made them, and mltf's ConfigMaps.
func namespaceLeftovers(t *testing.T, kube kubernetes.Interface, ns string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	jobs, err := kube.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range jobs.Items {
		out = append(out, "job/"+x.Name)
	}
	svcs, err := kube.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range svcs.Items {
		out = append(out, "service/"+x.Name)
	}
	pods, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range pods.Items {
		out = append(out, "pod/"+x.Name)
	}
	cms, err := kube.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: labelManagedBy + "=mltf," + labelComponent + "=training"})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range cms.Items {
		out = append(out, "configmap/"+x.Name)
	}
	return out
}
