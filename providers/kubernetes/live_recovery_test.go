package kubernetes

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/mltf/mltf/kinds/training"
)

// fakeNodes creates n kwok GPU nodes labelled mltf.dev/test-pool=POOL,
// deleted when the test ends.
func (h *harness) fakeNodes(pool string, n, gpus int) []string {
	h.t.Helper()
	ctx := context.Background()
	var names []string
	for i := range n {
		name := fmt.Sprintf("%s-%d", pool, i)
		capacity := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("96"), corev1.ResourceMemory: resource.MustParse("1024Gi"),
			corev1.ResourcePods: resource.MustParse("110"), "nvidia.com/gpu": *resource.NewQuantity(int64(gpus), resource.DecimalSI)}
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
				Labels: map[string]string{"kubernetes.io/hostname": name, "type": "kwok", "mltf.dev/test-pool": pool}},
			Spec:   corev1.NodeSpec{Taints: []corev1.Taint{{Key: "nvidia.com/gpu", Effect: corev1.TaintEffectNoSchedule}}},
			Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
		}
		if _, err := h.kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			h.t.Fatalf("create node %s: %v", name, err)
		}
		names = append(names, name)
		h.t.Cleanup(func() { h.kube.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	}
	eventually(h.t, "the nodes to be ready", time.Minute, func() bool {
		for _, name := range names {
			node, err := h.kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil || !nodeReady(node) {
				return false
			}
		}
		return true
	})
	return names
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// recoveryClock records, from the test's own watches, when each step of a
// gang's recovery became visible.
type recoveryClock struct {
	mu        sync.Mutex
	runID     string
	lostNode  string
	nodes     int
	disrupted time.Time // a pod of attempt 1 on the lost node has DisruptionTarget, or is gone
	reason    string
	created   time.Time // the Job of attempt 2 exists
	running   time.Time // all pods of attempt 2 run
	stop      chan struct{}
}

func (c *recoveryClock) pod(obj any, deleted bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj, deleted = d.Obj, true
	}
	p, ok := obj.(*corev1.Pod)
	if !ok || p.Labels[labelRunID] != c.runID {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.Labels[labelAttempt] == "1" && p.Spec.NodeName == c.lostNode && c.disrupted.IsZero() {
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.DisruptionTarget && cond.Status == corev1.ConditionTrue {
				c.disrupted, c.reason = time.Now(), cond.Reason
			}
		}
		if deleted && c.disrupted.IsZero() {
			c.disrupted, c.reason = time.Now(), "deleted"
		}
	}
}

func (c *recoveryClock) job(obj any) {
	j, ok := obj.(*batchv1.Job)
	if !ok || j.Labels[labelRunID] != c.runID || j.Labels[labelAttempt] != "2" {
		return
	}
	c.mu.Lock()
	if c.created.IsZero() {
		c.created = time.Now()
	}
	c.mu.Unlock()
}

// watch starts the test's informers over the namespace's pods and Jobs.
func (c *recoveryClock) watch(kube kubernetes.Interface, ns string) {
	f := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithNamespace(ns))
	pods, jobs := f.Core().V1().Pods().Informer(), f.Batch().V1().Jobs().Informer()
	pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { c.pod(o, false); c.checkRunning(pods) },
		UpdateFunc: func(_, o any) { c.pod(o, false); c.checkRunning(pods) },
		DeleteFunc: func(o any) { c.pod(o, true) },
	})
	jobs.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: c.job, UpdateFunc: func(_, o any) { c.job(o) }})
	c.stop = make(chan struct{})
	f.Start(c.stop)
	cache.WaitForCacheSync(c.stop, pods.HasSynced, jobs.HasSynced)
}

func (c *recoveryClock) checkRunning(pods cache.SharedIndexInformer) {
	running := 0
	for _, o := range pods.GetStore().List() {
		p := o.(*corev1.Pod)
		if p.Labels[labelRunID] == c.runID && p.Labels[labelAttempt] == "2" && p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			running++
		}
	}
	c.mu.Lock()
	if running == c.nodes && c.running.IsZero() {
		c.running = time.Now()
	}
	c.mu.Unlock()
}

func (c *recoveryClock) done() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.running.IsZero()
}

// TestLiveRecoveryLostNode loses one node of a 4-node × 8-GPU training
// (32 GPUs) the way a reclaimed spot instance does: the Node object is
// deleted, and the pod garbage collector marks its pods DisruptionTarget
// and deletes them. mltf restarts the whole gang as attempt 2 on the
// remaining nodes and a spare one (what a node autoscaler brings), counted
// against retry.infrastructure. It reports how long each part took:
// the control plane noticing the loss, mltf replacing the Job (mltf's own
// part), and the Job controller, scheduler and kubelets starting the new
// pods. scripts/recovery-figures.sh repeats it.
func TestLiveRecoveryLostNode(t *testing.T) {
	// Names of their own, so that repeats (-count) do not wait for the
	// previous namespace and nodes to go.
	pool := fmt.Sprintf("recovery%d", time.Now().UnixMilli()%100000)
	h := newHarness(t, "mltf-it-"+pool)
	ctx := context.Background()
	h.fakeNodes(pool, 5, 8)
	cfg := testClusterConfig(h.ns, 40, nil)
	m := cfg.AsValueMap()
	p := m["pool"].Index(cty.StringVal("a100")).AsValueMap()
	p["node_selector"] = cty.MapVal(map[string]cty.Value{"mltf.dev/test-pool": cty.StringVal(pool)})
	p["max_nodes"] = cty.NumberIntVal(5)
	m["pool"] = cty.MapVal(map[string]cty.Value{"a100": cty.ObjectVal(p)})
	cl, _ := h.apply(ctx, h.p, change{kind: kindCluster, address: "cluster.gpu", config: cty.ObjectVal(m)}, nil)
	if cl.Diagnostics.HasErrors() {
		t.Fatal(cl.Diagnostics)
	}
	t.Cleanup(func() { h.destroy(h.p, kindCluster, "cluster.gpu", cl.New, cl.Private) })

	tr := h.trainingFor(poolOf(cl.New, "a100"), nil, 0, 0.4).AsValueMap()
	tr["distributed"] = cty.ObjectVal(map[string]cty.Value{"nodes": cty.NumberIntVal(4), "procs_per_node": cty.NumberIntVal(8)})
	ev := &events{}
	done := make(chan struct{})
	var resp struct {
		v     cty.Value
		priv  []byte
		diags string
	}
	go func() {
		defer close(done)
		r, _ := h.apply(ctx, h.p, change{kind: kindTraining, address: "training.mlp", config: cty.ObjectVal(tr)}, ev)
		resp.v, resp.priv, resp.diags = r.New, r.Private, fmt.Sprint(r.Diagnostics)
	}()
	var runID string
	eventually(t, "the partial state", time.Minute, func() bool {
		select {
		case <-done:
			t.Fatalf("apply ended before the run started: %s\n%s", resp.diags, strings.Join(ev.logs(), "\n"))
		default:
		}
		v, _, ok := ev.partial()
		if ok {
			runID = training.FactsOf(v).RunID
		}
		return ok
	})
	pods := h.waitRunning(runID, 1, 4)
	used := map[string]bool{}
	for _, p := range pods {
		if gpu := p.Spec.Containers[0].Resources.Limits["nvidia.com/gpu"]; gpu.Value() != 8 {
			t.Fatalf("pod %s requests %s GPUs, want 8", p.Name, gpu.String())
		}
		used[p.Spec.NodeName] = true
	}
	if len(used) != 4 {
		t.Fatalf("the 4 pods share nodes: %v", used)
	}

	clock := &recoveryClock{runID: runID, lostNode: pods[1].Spec.NodeName, nodes: 4}
	clock.watch(h.kube, h.ns)
	defer close(clock.stop)
	lost := time.Now()
	if err := h.kube.CoreV1().Nodes().Delete(ctx, clock.lostNode, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "all 4 pods of attempt 2 running", 3*time.Minute, clock.done)
	next := h.runPods(runID, 2)
	for _, p := range next {
		env := envMap(p.Spec.Containers[0])
		if p.Spec.NodeName == clock.lostNode || env["MLTF_ATTEMPT"] != "2" || env["MLTF_CHECKPOINT_URI"] == "" {
			t.Errorf("attempt 2 pod %s on %s env %v", p.Name, p.Spec.NodeName, env)
		}
	}
	for _, p := range next {
		h.finishPod(p)
	}
	<-done
	f := training.FactsOf(resp.v)
	logs := strings.Join(ev.logs(), "\n")
	if f.Status != training.StatusFinished || f.Restarts[causeInfra] != 1 || f.Restarts[causeUser] != 0 {
		t.Fatalf("status %q restarts %v diags %s\n%s", f.Status, f.Restarts, resp.diags, logs)
	}
	if !strings.Contains(logs, "restarting all 4 pods (infrastructure restart 1 of 2)") {
		t.Errorf("the restart is not reported:\n%s", logs)
	}
	clock.mu.Lock()
	detect, replace, start := clock.disrupted.Sub(lost), clock.created.Sub(clock.disrupted), clock.running.Sub(clock.created)
	reason := clock.reason
	clock.mu.Unlock()
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
	t.Logf("MEASURE recovery of a 4x8-GPU gang from a deleted node: %s in all = control plane notices (%s) %s + mltf replaces the Job %s + Job controller, scheduler and kubelets start 4 pods %s",
		r(clock.running.Sub(lost)), reason, r(detect), r(replace), r(start))
	h.destroyTraining(resp.v, resp.priv)
}
