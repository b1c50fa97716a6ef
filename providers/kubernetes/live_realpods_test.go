package kubernetes

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/kinds/training"
)

// realNode is the real node of the test cluster (scripts/testcluster/
// realnode.sh, which scripts/test-kubernetes.sh starts): its name and the
// PyTorch image containerd holds.
func realNode(t *testing.T) (node, image string) {
	t.Helper()
	liveCluster(t)
	dir := filepath.Join(os.Getenv("MLTF_TESTCLUSTER_DIR"), "node")
	n, err1 := os.ReadFile(filepath.Join(dir, "name"))
	i, err2 := os.ReadFile(filepath.Join(dir, "image"))
	if err1 != nil || err2 != nil {
		t.Skip("the test cluster has no real node (scripts/test-kubernetes.sh starts one unless MLTF_TESTCLUSTER_REAL_NODE=0)")
	}
	return strings.TrimSpace(string(n)), strings.TrimSpace(string(i))
}

// realClusterConfig is the provider block and a cluster whose pool is the
// real node, formatted with the kubeconfig and the namespace.
const realClusterConfig = `
provider "kubernetes" {
  kubeconfig = %q
  namespace  = %q
}

cluster "real" {
  provider  = kubernetes
  namespace = %[2]q
  pool "cpu" {
    node_selector = { "mltf.dev/test-pool" = "real" }
    tolerations   = [{ key = "mltf.dev/real-node", operator = "Exists", effect = "NoSchedule" }]
  }
}
`

// realConfig is a training of examples/quickstart's digits MLP on the real
// node: 2 pods × 1 process with gloo, the code and data shipped in the
// run's ConfigMap, checkpoints on the PersistentVolumeClaim "checkpoints".
const realConfig = realClusterConfig + `
experiment "digits" {}

training "mlp" {
  experiment = experiment.digits
  pool       = cluster.real.pool.cpu
  image      = %q
  code       = "./work"
  command    = %s
  params     = %s
  distributed {
    nodes          = 2
    procs_per_node = 1
    backend        = "gloo"
  }
  checkpoint {
    every = %q
    keep  = 3
  }
  retry {
    infrastructure = 2
    user_error     = %d
  }
  options {
    image_pull_policy = "Never"
    checkpoint_volume = "checkpoints"
  }
}

output "accuracy" { value = training.mlp.metrics["accuracy"] }
output "status"   { value = training.mlp.status }
output "run_id"   { value = training.mlp.run_id }
`

// realRun is one test's working directory, namespace and checkpoint volume.
type realRun struct {
	t       *testing.T
	kube    kubernetes.Interface
	dir, ns string
	pvDir   string // the local PersistentVolume's directory on this machine
}

// newRealRun makes the namespace (the cluster adopts it), a local
// PersistentVolume on the real node with its claim "checkpoints", and the
// work directory with the quickstart's train.py and data and any extra
// files.
func newRealRun(t *testing.T, name string, extra map[string]string) *realRun {
	node, _ := realNode(t)
	cfg := liveCluster(t)
	r := &realRun{t: t, kube: kubernetes.NewForConfigOrDie(cfg), dir: t.TempDir(),
		ns: "mltf-it-" + name + "-" + strconv.FormatInt(time.Now().UnixNano()%(36*36*36), 36)}
	ctx := context.Background()
	for src, dst := range map[string]string{"../../examples/quickstart/src/train.py": "work/src/train.py", "../../examples/quickstart/data/digits.csv": "work/data/digits.csv"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		r.write(dst, string(b))
	}
	for p, content := range extra {
		r.write(p, content)
	}
	if _, err := r.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.pvDir = t.TempDir()
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: r.ns},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: r.pvDir}},
			ClaimRef:                      &corev1.ObjectReference{Namespace: r.ns, Name: "checkpoints"},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}}}},
		},
	}
	if _, err := r.kube.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	empty := ""
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "checkpoints", Namespace: r.ns},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, StorageClassName: &empty, VolumeName: r.ns,
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if _, err := r.kube.CoreV1().PersistentVolumeClaims(r.ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		bg := context.Background()
		r.kube.CoreV1().Namespaces().Delete(bg, r.ns, metav1.DeleteOptions{})
		r.kube.CoreV1().PersistentVolumes().Delete(bg, r.ns, metav1.DeleteOptions{})
	})
	return r
}

func (r *realRun) write(rel, content string) {
	p := filepath.Join(r.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// configure writes main.mltf.hcl.
func (r *realRun) configure(command, params, every string, userRetries int) {
	_, image := realNode(r.t)
	r.write("main.mltf.hcl", fmt.Sprintf(realConfig, os.Getenv("KUBECONFIG"), r.ns, image, command, params, every, userRetries))
}

// podLog is the log of the pod of a run's attempt and node.
func (r *realRun) podLog(runID string, attempt, node int) string {
	r.t.Helper()
	ctx := context.Background()
	pods, err := r.kube.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{LabelSelector: fmt.Sprintf("%s,%s=%d", runSelector(runID), labelAttempt, attempt)})
	if err != nil {
		r.t.Fatal(err)
	}
	for _, p := range pods.Items {
		if completionIndex(&p) == node {
			b, err := r.kube.CoreV1().Pods(r.ns).GetLogs(p.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
			if err != nil {
				r.t.Fatalf("log of %s: %v", p.Name, err)
			}
			return string(b)
		}
	}
	r.t.Fatalf("run %s has no pod of attempt %d, node %d", runID, attempt, node)
	return ""
}

func (r *realRun) mltf(want int, timeout time.Duration, args ...string) e2e.Result {
	r.t.Helper()
	return runMLTF(r.t, r.dir, want, timeout, args...)
}

// destroy destroys everything and checks that no pod, Job, Service or run
// ConfigMap is left in the namespace.
func (r *realRun) destroy() {
	r.t.Helper()
	out := r.mltf(0, 3*time.Minute, "destroy", "-auto-approve")
	if !strings.Contains(out.Stdout, "Destroy complete! Resources: 3 destroyed.") {
		r.t.Errorf("destroy:\n%s", out.Stdout)
	}
	if left := namespaceLeftovers(r.t, r.kube, r.ns); len(left) > 0 {
		r.t.Errorf("destroy left in %s: %v", r.ns, left)
	}
}

var heldOut = regexp.MustCompile(`held-out accuracy (\d\.\d+) on (\d+) rows after (\d+) steps`)

// localAccuracy runs the same train.py as 2 ranks with gloo on this
// machine, without mltf, and returns its held-out accuracy.
func localAccuracy(t *testing.T, dir string) string {
	t.Helper()
	port := freePort(t)
	var cmds []*exec.Cmd
	var out strings.Builder
	for rank := range 2 {
		cmd := exec.Command("/usr/bin/python3", "src/train.py")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "MASTER_ADDR=127.0.0.1", "MASTER_PORT="+port, "WORLD_SIZE=2", "RANK="+strconv.Itoa(rank),
			"LOCAL_RANK="+strconv.Itoa(rank), "MLTF_BACKEND=gloo", "OMP_NUM_THREADS=1",
			"MLTF_CHECKPOINT_DIR="+t.TempDir(), "MLTF_ARTIFACT_DIR="+t.TempDir(), "MLTF_CHECKPOINT_EVERY=1000000")
		cmd.Env = append(cmd.Env, "PYTHONPATH="+filepath.Join(mustAbs(t, "../../sdk/python")))
		if rank == 0 {
			cmd.Stdout = &out
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("local run: %v\n%s", err, out.String())
		}
	}
	m := heldOut.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("local run printed no accuracy:\n%s", out.String())
	}
	return m[1]
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func freePort(t *testing.T) string {
	out, err := exec.Command("/usr/bin/python3", "-c", `import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])`).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// TestRealPodsDigitsDDP runs examples/quickstart's digits MLP as a 2-node
// training on the real node: two pods, one rank each, gloo between them
// over the pod network, rank 0 found as MASTER_ADDR through the headless
// Service and the cluster DNS. The metrics in the state come from the pod
// logs, and the accuracy is the one the same 2 ranks reach on this
// machine without Kubernetes. Destroy leaves nothing behind.
func TestRealPodsDigitsDDP(t *testing.T) {
	r := newRealRun(t, "real-ddp", nil)
	r.configure(`["python3", "src/train.py"]`, `{ lr = 0.05, epochs = 20 }`, "3s", 0)
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			r.mltf(-1, 3*time.Minute, "destroy", "-auto-approve")
		}
	})
	start := time.Now()
	apply := r.mltf(0, 8*time.Minute, "apply", "-auto-approve")
	took := time.Since(start)
	if got := r.mltf(0, time.Minute, "output", "-raw", "status").Stdout; got != training.StatusFinished {
		t.Fatalf("status %q\n%s", got, apply.Stdout)
	}
	got := r.mltf(0, time.Minute, "output", "-raw", "accuracy").Stdout
	local := localAccuracy(t, filepath.Join(r.dir, "work"))
	gv, _ := strconv.ParseFloat(got, 64)
	lv, _ := strconv.ParseFloat(local, 64)
	if gv < 0.9 || gv-lv > 0.01 || lv-gv > 0.01 {
		t.Errorf("accuracy on Kubernetes %s, on this machine %s: want at least 0.9 and within 0.01\n%s", got, local, apply.Stdout)
	}
	t.Logf("MEASURE digits DDP, 2 real pods x 1 rank (gloo): accuracy %s (the same 2 ranks without Kubernetes: %s); mltf apply %s", got, local, took.Round(time.Second))
	runID := r.mltf(0, time.Minute, "output", "-raw", "run_id").Stdout
	// The launcher ran in each pod, and rank 0 trained there.
	for node, w := range []string{"held-out accuracy " + local, "=== mltf: attempt 1, node 1 of 2, 1 ranks ==="} {
		if log := r.podLog(runID, 1, node); !strings.Contains(log, w) {
			t.Errorf("the log of node %d lacks %q:\n%s", node, w, log)
		}
	}
	show := r.mltf(0, time.Minute, "state", "show", "training.mlp")
	if !strings.Contains(strings.Join(strings.Fields(show.Stdout), " "), `"accuracy": `+got) {
		t.Errorf("state show lacks the accuracy %s:\n%s", got, show.Stdout)
	}
	// The checkpoints and artifacts are on the volume.
	if _, err := os.Stat(filepath.Join(r.pvDir, runID, "artifacts", "model.pt")); err != nil {
		t.Errorf("no model on the checkpoint volume: %v", err)
	}
	r.destroy()
	destroyed = true
}

// TestRealPodsResumeAfterLostPod deletes a pod of a running 2-pod training
// once checkpoints are committed on the volume: mltf restarts the whole
// gang (infrastructure), and the new pods resume from the newest committed
// checkpoint. It reports the work lost in steps against the checkpoint
// interval.
func TestRealPodsResumeAfterLostPod(t *testing.T) {
	r := newRealRun(t, "real-resume", nil)
	r.configure(`["python3", "src/train.py"]`, `{ lr = 0.05, epochs = 60 }`, "2s", 0)
	ctx := context.Background()
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			r.mltf(-1, 3*time.Minute, "destroy", "-auto-approve")
		}
	})
	done := make(chan e2e.Result, 1)
	go func() { done <- runMLTF(t, r.dir, -1, 10*time.Minute, "apply", "-auto-approve") }()

	// Wait for two committed checkpoints on the volume.
	var runDir string
	deadline := time.Now().Add(5 * time.Minute)
	for {
		dirs, _ := filepath.Glob(filepath.Join(r.pvDir, "*", "checkpoints", "*", "COMMIT"))
		if len(dirs) >= 2 {
			runDir = filepath.Dir(filepath.Dir(filepath.Dir(dirs[0])))
			break
		}
		select {
		case res := <-done:
			t.Fatalf("apply ended before two checkpoints were committed:\n%s\n%s", res.Stdout, res.Stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no two committed checkpoints after 5 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	runID := filepath.Base(runDir)
	pods, err := r.kube.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{LabelSelector: runSelector(runID) + "," + labelAttempt + "=1"})
	if err != nil || len(pods.Items) != 2 {
		t.Fatalf("pods of attempt 1: %v %d", err, len(pods.Items))
	}
	var victim, rank0 corev1.Pod
	for _, p := range pods.Items {
		if completionIndex(&p) == 1 {
			victim = p
		} else {
			rank0 = p
		}
	}
	// Follow rank 0's log to its end: the last step it reached before its
	// gang was lost.
	stream, err := r.kube.CoreV1().Pods(r.ns).GetLogs(rank0.Name, &corev1.PodLogOptions{Follow: true}).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lastStep := make(chan int64, 1)
	go func() {
		defer stream.Close()
		last := int64(-1)
		sc := bufio.NewScanner(stream)
		for sc.Scan() {
			if m, ok := parseMetric(sc.Text()); ok && m.Step > last {
				last = m.Step
			}
		}
		lastStep <- last
	}()
	if err := r.kube.CoreV1().Pods(r.ns).Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	lost := time.Now()
	res := <-done
	if res.Code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	// The new pods say which checkpoint they resume from, and rank 0
	// loads it.
	log := r.podLog(runID, 2, 0)
	m := regexp.MustCompile(`=== mltf: attempt 2, node 0 of 2, 1 ranks, resuming from (epoch-\d+) ===`).FindStringSubmatch(log)
	if m == nil || !strings.Contains(log, "rank 0 resumed from /mltf/output/checkpoints/"+m[1]) {
		t.Fatalf("attempt 2 does not resume from a checkpoint:\n%s", log)
	}
	show := strings.Join(strings.Fields(r.mltf(0, time.Minute, "state", "show", "training.mlp").Stdout), " ")
	if !strings.Contains(show, `"infrastructure": 1`) {
		t.Errorf("the restart is not counted against retry.infrastructure:\n%s", show)
	}
	var commit struct{ Step int64 }
	b, err := os.ReadFile(filepath.Join(runDir, "checkpoints", m[1], "COMMIT"))
	if err == nil {
		err = json.Unmarshal(b, &commit)
	}
	if err != nil {
		t.Fatal(err)
	}
	// The newest committed checkpoint when the pod went: none newer than
	// the one resumed from was committed before the loss.
	all, _ := filepath.Glob(filepath.Join(runDir, "checkpoints", "*", "COMMIT"))
	for _, c := range all {
		if st, err := os.Stat(c); err == nil && st.ModTime().Before(lost) && filepath.Base(filepath.Dir(c)) > m[1] {
			t.Errorf("resumed from %s, but %s was committed before the pod was lost", m[1], filepath.Dir(c))
		}
	}
	if got := r.mltf(0, time.Minute, "output", "-raw", "status").Stdout; got != training.StatusFinished {
		t.Errorf("status %q", got)
	}
	last := <-lastStep
	if last < commit.Step {
		t.Errorf("rank 0 logged step %d at most, before the checkpoint of step %d it resumed from", last, commit.Step)
	}
	t.Logf("MEASURE a pod lost: rank 0 had reached step %d, the gang resumed from %s (step %d): %d steps lost; checkpoint.every = 2s is about %d steps here",
		last, m[1], commit.Step, last-commit.Step, stepsPerCheckpoint(runDir))
	// When the new pods' containers started (the kubelet's second-precise
	// times): sandboxes, volumes and the container, no image pull.
	var started time.Time
	next, err := r.kube.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{LabelSelector: runSelector(runID) + "," + labelAttempt + "=2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range next.Items {
		for _, cs := range p.Status.ContainerStatuses {
			if tm := cs.State.Terminated; tm != nil && tm.StartedAt.After(started) {
				started = tm.StartedAt.Time
			}
		}
	}
	t.Logf("MEASURE a pod deleted -> both containers of attempt 2 started on the real node: %s (to the second)", started.Sub(lost.Truncate(time.Second)))
	r.destroy()
	destroyed = true
}

// stepsPerCheckpoint is how many steps apart the run's committed checkpoints
// are, on average.
func stepsPerCheckpoint(runDir string) int64 {
	all, _ := filepath.Glob(filepath.Join(runDir, "checkpoints", "*", "COMMIT"))
	var steps []int64
	for _, c := range all {
		var commit struct{ Step int64 }
		if b, err := os.ReadFile(c); err == nil && json.Unmarshal(b, &commit) == nil {
			steps = append(steps, commit.Step)
		}
	}
	slices.Sort(steps)
	if len(steps) < 2 {
		return 0
	}
	return (steps[len(steps)-1] - steps[0]) / int64(len(steps)-1)
}

// TestRealPodsUserError runs code that fails on the real node: the gang is
// restarted once (retry.user_error = 1), then the training fails with the
// budget spent and the failing node's last log lines in the diagnostic.
func TestRealPodsUserError(t *testing.T) {
	r := newRealRun(t, "real-usererr", map[string]string{"work/src/fail.py": `import os, sys
print("reading the shards of rank %s" % os.environ["RANK"], flush=True)
print("bad shard: column 65 is missing", flush=True)
sys.exit(3)
`})
	r.configure(`["python3", "src/fail.py"]`, `{}`, "30s", 1)
	res := r.mltf(1, 5*time.Minute, "apply", "-auto-approve")
	show := strings.Join(strings.Fields(r.mltf(0, time.Minute, "state", "show", "training.mlp").Stdout), " ")
	all := res.Stdout + res.Stderr
	for _, w := range []string{"exited with code 3", "retry.user_error = 1 is spent (1 restart so far)", "bad shard: column 65 is missing"} {
		if !strings.Contains(all, w) {
			t.Errorf("apply lacks %q:\n%s", w, all)
		}
	}
	if !strings.Contains(show, `"status": "failed"`) || !strings.Contains(show, `"user_error": 1`) {
		t.Errorf("state show training.mlp: want status failed and 1 user_error restart:\n%s", show)
	}
	r.destroy()
}
