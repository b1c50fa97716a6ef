package kubernetes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
)

// trainingFor is a 2-node training on the pool; annotations drive kwok.
func (h *harness) trainingFor(pool cty.Value, annotations map[string]string, userRetries int64, lr float64) cty.Value {
	ann := map[string]cty.Value{}
	for k, v := range annotations {
		ann[k] = cty.StringVal(v)
	}
	annV := cty.NullVal(cty.Map(cty.String))
	if len(ann) > 0 {
		annV = cty.MapVal(ann)
	}
	return trainingVal(map[string]cty.Value{
		"pool":   pool,
		"code":   cty.StringVal(filepath.Join(h.workDir, "code")),
		"image":  cty.StringVal("registry.example/train@sha256:0123"),
		"params": cty.ObjectVal(map[string]cty.Value{"lr": cty.NumberFloatVal(lr)}),
		"retry":  cty.ObjectVal(map[string]cty.Value{"infrastructure": cty.NumberIntVal(2), "user_error": cty.NumberIntVal(userRetries)}),
		"options": cty.ObjectVal(map[string]cty.Value{"annotations": annV,
			"checkpoint_uri": cty.StringVal("s3://bucket/ckpt")}),
	})
}

func (h *harness) cluster(ctx context.Context) cty.Value {
	h.t.Helper()
	resp, _ := h.apply(ctx, h.p, change{kind: kindCluster, address: "cluster.gpu", config: testClusterConfig(h.ns, 32, nil)}, nil)
	if resp.Diagnostics.HasErrors() {
		h.t.Fatalf("cluster: %v", resp.Diagnostics)
	}
	h.t.Cleanup(func() { h.destroy(h.p, kindCluster, "cluster.gpu", resp.New, resp.Private) })
	return resp.New
}

// runPods lists the pods of a run's attempt.
func (h *harness) runPods(runID string, attempt int) []corev1.Pod {
	list, err := h.kube.CoreV1().Pods(h.ns).List(context.Background(), metav1.ListOptions{
		LabelSelector: fmt.Sprintf("%s=%s,%s=%d", labelRunID, runID, labelAttempt, attempt)})
	if err != nil {
		h.t.Fatal(err)
	}
	return list.Items
}

func (h *harness) waitRunning(runID string, attempt, n int) []corev1.Pod {
	var pods []corev1.Pod
	eventually(h.t, fmt.Sprintf("%d running pods of attempt %d", n, attempt), time.Minute, func() bool {
		pods = h.runPods(runID, attempt)
		running := 0
		for _, p := range pods {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		return running == n
	})
	return pods
}

// finishPod plays the kubelet: the pod's container exits 0.
func (h *harness) finishPod(pod corev1.Pod) {
	now := metav1.Now()
	pod.Status.Phase = corev1.PodSucceeded
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "training", Image: pod.Spec.Containers[0].Image,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now}}}}
	if _, err := h.kube.CoreV1().Pods(h.ns).UpdateStatus(context.Background(), &pod, metav1.UpdateOptions{}); err != nil {
		h.t.Fatalf("finish pod %s: %v", pod.Name, err)
	}
}

// preempt plays the scheduler preempting a pod for a higher priority one.
func (h *harness) preempt(pod corev1.Pod) {
	now := metav1.Now()
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
		Reason: "PreemptionByScheduler", Message: "preempted by a higher priority pod", LastTransitionTime: now})
	pod.Status.Phase = corev1.PodFailed
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "training", Image: pod.Spec.Containers[0].Image,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error", StartedAt: now, FinishedAt: now}}}}
	if _, err := h.kube.CoreV1().Pods(h.ns).UpdateStatus(context.Background(), &pod, metav1.UpdateOptions{}); err != nil {
		h.t.Fatalf("preempt pod %s: %v", pod.Name, err)
	}
}

// leftovers lists the training objects left in the namespace.
func (h *harness) leftovers() []string {
	ctx := context.Background()
	sel := metav1.ListOptions{LabelSelector: labelManagedBy + "=mltf," + labelComponent + "=training"}
	var out []string
	jobs, _ := h.kube.BatchV1().Jobs(h.ns).List(ctx, sel)
	for _, x := range jobs.Items {
		out = append(out, "job/"+x.Name)
	}
	pods, _ := h.kube.CoreV1().Pods(h.ns).List(ctx, sel)
	for _, x := range pods.Items {
		out = append(out, "pod/"+x.Name)
	}
	svcs, _ := h.kube.CoreV1().Services(h.ns).List(ctx, sel)
	for _, x := range svcs.Items {
		out = append(out, "service/"+x.Name)
	}
	cms, _ := h.kube.CoreV1().ConfigMaps(h.ns).List(ctx, sel)
	for _, x := range cms.Items {
		out = append(out, "configmap/"+x.Name)
	}
	return out
}

func (h *harness) destroyTraining(v cty.Value, priv []byte) {
	h.t.Helper()
	if resp := h.destroy(h.p, kindTraining, "training.mlp", v, priv); resp.Diagnostics.HasErrors() {
		h.t.Fatalf("destroy: %v", resp.Diagnostics)
	}
	if left := h.leftovers(); len(left) > 0 {
		h.t.Errorf("destroy left %v", left)
	}
}

func TestLiveClusterLifecycle(t *testing.T) {
	h := newHarness(t, "mltf-it-cluster")
	ctx := context.Background()
	addr := "cluster.gpu"
	cfg := testClusterConfig(h.ns, 16, map[string]cty.Value{"high": cty.NumberIntVal(1000), "low": cty.NumberIntVal(10)})
	resp, plan := h.apply(ctx, h.p, change{kind: kindCluster, address: addr, config: cfg}, nil)
	if resp.Diagnostics.HasErrors() {
		t.Fatal(resp.Diagnostics)
	}
	reasons := strings.Join(plan.Reasons, "\n")
	for _, want := range []string{"Namespace mltf-it-cluster", "ResourceQuota mltf-quota", "PriorityClass mltf-mltf-it-cluster-high",
		"skips Karpenter NodePool for pool \"a100\"", "skips Kueue"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("plan reasons miss %q:\n%s", want, reasons)
		}
	}
	q, err := h.kube.CoreV1().ResourceQuotas(h.ns).Get(ctx, quotaName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g := q.Spec.Hard["requests.nvidia.com/gpu"]; g.Value() != 16 {
		t.Errorf("quota gpus %s", g.String())
	}
	for _, n := range []string{"mltf-mltf-it-cluster-high", "mltf-mltf-it-cluster-low"} {
		if _, err := h.kube.SchedulingV1().PriorityClasses().Get(ctx, n, metav1.GetOptions{}); err != nil {
			t.Errorf("priority class %s: %v", n, err)
		}
	}
	if _, err := h.kube.RbacV1().RoleBindings(h.ns).Get(ctx, trainingAccount, metav1.GetOptions{}); err != nil {
		t.Errorf("role binding: %v", err)
	}
	pool := poolOf(resp.New, "a100")
	if n := pool.GetAttr("nodes"); !n.RawEquals(cty.NumberIntVal(4)) {
		t.Errorf("observed nodes %#v, want the 4 fake nodes", n)
	}
	if g := pool.GetAttr("allocatable_gpus"); !g.RawEquals(cty.NumberIntVal(32)) {
		t.Errorf("observed GPUs %#v, want 32", g)
	}

	// Update: a new quota, one priority fewer.
	cfg2 := testClusterConfig(h.ns, 24, map[string]cty.Value{"high": cty.NumberIntVal(1000)})
	resp2, _ := h.apply(ctx, h.p, change{kind: kindCluster, address: addr, prior: resp.New, priorPriv: resp.Private, config: cfg2}, nil)
	if resp2.Diagnostics.HasErrors() {
		t.Fatal(resp2.Diagnostics)
	}
	q, _ = h.kube.CoreV1().ResourceQuotas(h.ns).Get(ctx, quotaName, metav1.GetOptions{})
	if g := q.Spec.Hard["requests.nvidia.com/gpu"]; g.Value() != 24 {
		t.Errorf("updated quota gpus %s", g.String())
	}
	if _, err := h.kube.SchedulingV1().PriorityClasses().Get(ctx, "mltf-mltf-it-cluster-low", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("removed priority class still there: %v", err)
	}
	// Read: unchanged plan.
	rd := h.p.Read(ctx, providersRead(kindCluster, addr, resp2.New, resp2.Private))
	if rd.New.IsNull() || !rd.New.GetAttr("namespace").RawEquals(cty.StringVal(h.ns)) {
		t.Errorf("read: %#v", rd.New)
	}
	// Destroy: the namespace was mltf's, so it goes, and the priority classes.
	if d := h.destroy(h.p, kindCluster, addr, resp2.New, resp2.Private); d.Diagnostics.HasErrors() {
		t.Fatal(d.Diagnostics)
	}
	if _, err := h.kube.SchedulingV1().PriorityClasses().Get(ctx, "mltf-mltf-it-cluster-high", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("priority class survives destroy: %v", err)
	}
	ns, err := h.kube.CoreV1().Namespaces().Get(ctx, h.ns, metav1.GetOptions{})
	if err == nil && ns.DeletionTimestamp == nil {
		t.Errorf("namespace %s not being deleted", h.ns)
	}
	eventually(t, "the namespace to go", 2*time.Minute, func() bool {
		_, err := h.kube.CoreV1().Namespaces().Get(ctx, h.ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
}

var runningAfter = regexp.MustCompile(`all 2 pods running after (\S+)`)

func TestLiveTrainingTwoNodes(t *testing.T) {
	h := newHarness(t, "mltf-it-train")
	ctx := context.Background()
	pool := poolOf(h.cluster(ctx), "a100")
	logs := filepath.Join(os.Getenv("MLTF_TESTCLUSTER_DIR"), "pod.log")
	if err := os.WriteFile(logs, []byte(criLog("=== mltf: attempt 1 ===", `mltf.metric {"step": 10, "total": 20, "loss": 0.9}`,
		`mltf.metric {"step": 20, "total": 20, "loss": 0.25, "accuracy": 0.93}`)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := h.trainingFor(pool, map[string]string{"kwok.mltf.dev/outcome": "succeed", "kwok.mltf.dev/after": "3s"}, 0, 0.05)
	ev := &events{}
	before := [4]int64{h.counter.total.Load(), h.counter.watches.Load(), h.counter.logs.Load(), h.counter.mutations.Load()}
	start := time.Now()
	resp, plan := h.apply(ctx, h.p, change{kind: kindTraining, address: "training.mlp", config: cfg}, ev)
	took := time.Since(start)
	if resp.Diagnostics.HasErrors() {
		t.Fatalf("apply: %v\n%s", resp.Diagnostics, strings.Join(ev.logs(), "\n"))
	}
	if !strings.Contains(strings.Join(plan.Reasons, " "), "new run: 2 nodes × 4 procs (nccl)") {
		t.Errorf("plan reasons %v", plan.Reasons)
	}
	f := training.FactsOf(resp.New)
	if f.Status != training.StatusFinished {
		t.Fatalf("status %q\n%s", f.Status, strings.Join(ev.logs(), "\n"))
	}
	if f.Metrics["loss"] != 0.25 || f.Metrics["accuracy"] != 0.93 {
		t.Errorf("metrics %v, want the last values of the pod log\n%s", f.Metrics, strings.Join(ev.logs(), "\n"))
	}
	ev.mu.Lock()
	for _, e := range ev.all {
		if e.Type == providers.EventLog {
			if m := runningAfter.FindStringSubmatch(e.Log.Line); m != nil {
				t.Logf("MEASURE apply -> all 2 pods running: %s from the start of apply, %s after the Job was created (%s for the whole apply, a 3 s run)",
					e.Time.Sub(start).Round(time.Millisecond), m[1], took.Round(time.Millisecond))
			}
		}
	}
	ev.mu.Unlock()
	t.Logf("MEASURE API requests of one run (plan, create, supervise to the end): %d (watches %d, log streams %d, writes %d)",
		h.counter.total.Load()-before[0], h.counter.watches.Load()-before[1], h.counter.logs.Load()-before[2], h.counter.mutations.Load()-before[3])
	if _, _, ok := ev.partial(); !ok {
		t.Errorf("no partial state event")
	}
	// The objects as they ran.
	pods := h.runPods(f.RunID, 1)
	if len(pods) != 2 {
		t.Fatalf("%d pods, want 2", len(pods))
	}
	for _, p := range pods {
		env := envMap(p.Spec.Containers[0])
		if env["MASTER_ADDR"] != "mltf-mlp-"+f.RunID[:8]+"-1-0.mltf-mlp-"+f.RunID[:8] || env["WORLD_SIZE"] != "8" || env["NCCL_SOCKET_IFNAME"] != "eth0" {
			t.Errorf("pod %s env %v", p.Name, env)
		}
		if p.Spec.Subdomain != "mltf-mlp-"+f.RunID[:8] || p.Spec.Hostname == "" {
			t.Errorf("pod %s hostname %q subdomain %q", p.Name, p.Spec.Hostname, p.Spec.Subdomain)
		}
		gpu := p.Spec.Containers[0].Resources.Limits["nvidia.com/gpu"]
		if gpu.Value() != 4 || p.Spec.NodeSelector["mltf.dev/test-pool"] != "gpu" {
			t.Errorf("pod %s gpus %s selector %v", p.Name, gpu.String(), p.Spec.NodeSelector)
		}
	}
	// The same configuration again: no change, no new run.
	again := h.plan(h.p, change{kind: kindTraining, address: "training.mlp", prior: resp.New, priorPriv: resp.Private, config: cfg})
	if len(again.RequiresReplace) > 0 || !again.Planned.RawEquals(resp.New) {
		t.Errorf("unchanged training plans a change: %v", again.Reasons)
	}
	// A Job deleted by hand is drift: Read says the run's objects are gone.
	fg := metav1.DeletePropagationForeground
	if err := h.kube.BatchV1().Jobs(h.ns).DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &fg},
		metav1.ListOptions{LabelSelector: runSelector(f.RunID)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the Job to go", time.Minute, func() bool {
		l, _ := h.kube.BatchV1().Jobs(h.ns).List(ctx, metav1.ListOptions{LabelSelector: runSelector(f.RunID)})
		return len(l.Items) == 0
	})
	if rd := h.p.Read(ctx, providersRead(kindTraining, "training.mlp", resp.New, resp.Private)); !rd.New.IsNull() {
		t.Errorf("read after the Job was deleted by hand: %#v, want null", rd.New)
	}
	h.destroyTraining(resp.New, resp.Private)
}

func TestLivePreemptionRestartsGang(t *testing.T) {
	h := newHarness(t, "mltf-it-preempt")
	ctx := context.Background()
	pool := poolOf(h.cluster(ctx), "a100")
	cfg := h.trainingFor(pool, nil, 0, 0.1)
	ev := &events{}
	done := make(chan struct{})
	var resp = struct {
		v     cty.Value
		priv  []byte
		diags string
	}{}
	go func() {
		defer close(done)
		r, _ := h.apply(ctx, h.p, change{kind: kindTraining, address: "training.mlp", config: cfg}, ev)
		resp.v, resp.priv, resp.diags = r.New, r.Private, fmt.Sprint(r.Diagnostics)
	}()
	var runID string
	eventually(t, "the partial state", time.Minute, func() bool {
		v, _, ok := ev.partial()
		if ok {
			runID = training.FactsOf(v).RunID
		}
		return ok
	})
	pods := h.waitRunning(runID, 1, 2)
	h.preempt(pods[0])
	next := h.waitRunning(runID, 2, 2)
	for _, p := range next {
		env := envMap(p.Spec.Containers[0])
		if env["MLTF_ATTEMPT"] != "2" || env["TORCHELASTIC_RESTART_COUNT"] != "1" || !strings.HasSuffix(env["MASTER_ADDR"], "-2-0.mltf-mlp-"+runID[:8]) {
			t.Errorf("attempt 2 pod %s env %v", p.Name, env)
		}
	}
	if len(h.runPods(runID, 1)) > 0 {
		eventually(t, "attempt 1's pods to go", time.Minute, func() bool { return len(h.runPods(runID, 1)) == 0 })
	}
	for _, p := range next {
		h.finishPod(p)
	}
	<-done
	f := training.FactsOf(resp.v)
	if f.Status != training.StatusFinished || f.Restarts[causeInfra] != 1 {
		t.Fatalf("status %q restarts %v diags %s\n%s", f.Status, f.Restarts, resp.diags, strings.Join(ev.logs(), "\n"))
	}
	if !strings.Contains(strings.Join(ev.logs(), "\n"), "PreemptionByScheduler") {
		t.Errorf("the restart does not say why:\n%s", strings.Join(ev.logs(), "\n"))
	}
	h.destroyTraining(resp.v, resp.priv)
}

func TestLiveUserErrorBeyondBudget(t *testing.T) {
	h := newHarness(t, "mltf-it-usererr")
	ctx := context.Background()
	pool := poolOf(h.cluster(ctx), "a100")
	cfg := h.trainingFor(pool, map[string]string{"kwok.mltf.dev/outcome": "fail", "kwok.mltf.dev/after": "1s", "kwok.mltf.dev/exit-code": "3"}, 0, 0.2)
	resp, _ := h.apply(ctx, h.p, change{kind: kindTraining, address: "training.mlp", config: cfg}, nil)
	f := training.FactsOf(resp.New)
	msg := fmt.Sprint(resp.Diagnostics)
	if f.Status != training.StatusFailed || !resp.Diagnostics.HasErrors() || !strings.Contains(msg, "exited with code 3") || !strings.Contains(msg, "retry.user_error = 0") {
		t.Fatalf("status %q, diagnostics %s", f.Status, msg)
	}
	h.destroyTraining(resp.New, resp.Private)
}

func TestLiveReattachAfterKilledApply(t *testing.T) {
	h := newHarness(t, "mltf-it-reattach")
	ctx := context.Background()
	pool := poolOf(h.cluster(ctx), "a100")
	cfg := h.trainingFor(pool, nil, 0, 0.3)
	ev := &events{}
	actx, kill := context.WithCancel(ctx)
	first := make(chan cty.Value, 1)
	go func() {
		r, _ := h.apply(actx, h.p, change{kind: kindTraining, address: "training.mlp", config: cfg}, ev)
		first <- r.New
	}()
	var partial cty.Value
	var partialPriv []byte
	eventually(t, "the partial state", time.Minute, func() bool {
		var ok bool
		partial, partialPriv, ok = ev.partial()
		return ok
	})
	runID := training.FactsOf(partial).RunID
	h.waitRunning(runID, 1, 2)
	kill() // mltf killed mid-run: the Job goes on
	if v := <-first; training.FactsOf(v).Status != training.StatusRunning {
		t.Fatalf("a stopped apply returns the running run, got %q", training.FactsOf(v).Status)
	}

	// A new mltf process: plan re-attaches to the saved run.
	p2 := h.provider(h.cfg)
	pr := h.plan(p2, change{kind: kindTraining, address: "training.mlp", prior: partial, priorPriv: partialPriv, config: cfg})
	if !strings.Contains(strings.Join(pr.Reasons, " "), "re-attaches to run "+runID[:8]) {
		t.Errorf("plan reasons %v", pr.Reasons)
	}
	// Even when the state lost the run (killed before it was saved), apply
	// finds the Job by its labels and adopts it.
	second := make(chan cty.Value, 1)
	go func() {
		r, _ := h.apply(ctx, p2, change{kind: kindTraining, address: "training.mlp", config: cfg}, nil)
		second <- r.New
	}()
	time.Sleep(2 * time.Second)
	for _, p := range h.runPods(runID, 1) {
		h.finishPod(p)
	}
	v := <-second
	if f := training.FactsOf(v); f.RunID != runID || f.Status != training.StatusFinished {
		t.Fatalf("re-attached run %s status %q, want %s finished", f.RunID, f.Status, runID)
	}
	jobs, _ := h.kube.BatchV1().Jobs(h.ns).List(ctx, metav1.ListOptions{LabelSelector: labelManagedBy + "=mltf," + labelComponent + "=training"})
	if len(jobs.Items) != 1 {
		t.Errorf("%d Jobs, want exactly one", len(jobs.Items))
	}
	h.destroyTraining(v, partialPriv)
}

// TestLiveOptionalCRDs installs Kueue's and Karpenter's CRDs (from their Go
// modules; scripts/test-kubernetes.sh sets MLTF_TEST_CRDS) and checks that
// the cluster kind manages their objects. It runs last (go test takes the
// files in name order, and live_test.go sorts after the other live tests):
// CRDs are cluster-wide, and with Kueue's every later cluster queues its
// Jobs, which no Kueue controller admits here.
func TestLiveOptionalCRDs(t *testing.T) {
	h := newHarness(t, "mltf-it-crds")
	files := strings.Fields(os.Getenv("MLTF_TEST_CRDS"))
	if len(files) == 0 {
		t.Skip("MLTF_TEST_CRDS names no CRD files (scripts/test-kubernetes.sh sets it)")
	}
	ctx := context.Background()
	dyn := dynamic.NewForConfigOrDie(h.cfg)
	crdGVR := gvr{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(b, &obj); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		u := &unstructured.Unstructured{Object: obj}
		if _, err := dyn.Resource(crdGVR).Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: "mltf-test", Force: true}); err != nil {
			t.Fatalf("install %s: %v", f, err)
		}
	}
	eventually(t, "the CRDs to be served", time.Minute, func() bool {
		_, err := h.kube.Discovery().ServerResourcesForGroupVersion("kueue.x-k8s.io/v1beta1")
		_, err2 := h.kube.Discovery().ServerResourcesForGroupVersion("karpenter.sh/v1")
		return err == nil && err2 == nil
	})
	resp, plan := h.apply(ctx, h.p, change{kind: kindCluster, address: "cluster.gpu", config: testClusterConfig(h.ns, 32, nil)}, nil)
	if resp.Diagnostics.HasErrors() {
		t.Fatal(resp.Diagnostics)
	}
	if strings.Contains(strings.Join(plan.Reasons, "\n"), "skips") {
		t.Errorf("nothing should be skipped with the CRDs installed: %v", plan.Reasons)
	}
	for _, o := range []struct {
		g        gvr
		ns, name string
	}{{gvrNodePool, "", "mltf-mltf-it-crds-a100"}, {gvrResourceFlavor, "", "mltf-mltf-it-crds-a100"},
		{gvrClusterQueue, "", "mltf-mltf-it-crds"}, {gvrLocalQueue, h.ns, localQueueName}} {
		r := dyn.Resource(o.g)
		var err error
		if o.ns != "" {
			_, err = r.Namespace(o.ns).Get(ctx, o.name, metav1.GetOptions{})
		} else {
			_, err = r.Get(ctx, o.name, metav1.GetOptions{})
		}
		if err != nil {
			t.Errorf("%s %s: %v", o.g.Resource, o.name, err)
		}
	}
	pool := poolOf(resp.New, "a100")
	if !pool.GetAttr("queue").RawEquals(cty.StringVal(localQueueName)) || !pool.GetAttr("node_pool").RawEquals(cty.StringVal("mltf-mltf-it-crds-a100")) {
		t.Errorf("pool %#v", pool)
	}
	if d := h.destroy(h.p, kindCluster, "cluster.gpu", resp.New, resp.Private); d.Diagnostics.HasErrors() {
		t.Fatal(d.Diagnostics)
	}
	if _, err := dyn.Resource(gvrNodePool).Get(ctx, "mltf-mltf-it-crds-a100", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("NodePool survives destroy: %v", err)
	}
}

// criLog formats lines as a container runtime writes them, which is what
// kwok serves as a pod's log.
func criLog(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s stdout F %s\n", time.Now().UTC().Format(time.RFC3339Nano), l)
	}
	return b.String()
}
