package kubernetes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mltf/mltf/kinds/training"
)

// kubeletPID is the process id of the real node's kubelet, from the test
// cluster's list of processes (scripts/testcluster/start.sh).
func kubeletPID(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(os.Getenv("MLTF_TESTCLUSTER_DIR"), "pids"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[1] == "kubelet" {
			if pid, err := strconv.Atoi(f[0]); err == nil {
				return pid
			}
		}
	}
	t.Fatal("the test cluster lists no kubelet")
	return 0
}

// TestRealPodsUnresponsiveNode stops the real node's kubelet (SIGSTOP)
// during a 2-pod training, as a node cut off from the control plane: the
// node lifecycle controller marks it unreachable after its grace period,
// the taint manager evicts the pods when their toleration of
// node.kubernetes.io/unreachable expires (DisruptionTarget), and mltf
// replaces the gang. The kubelet comes back (SIGCONT) once the next
// attempt's Job exists, as a replacement node would join, and the new
// pods resume from the newest committed checkpoint. It reports each part's
// time: Kubernetes' grace period and toleration, mltf's reaction, the
// restart. The old pods' containers keep running while their kubelet is
// away, as they do on a partitioned node.
//
// It takes minutes (with the cluster's default toleration, 300 s more),
// so it runs only with MLTF_TEST_UNRESPONSIVE_NODE=1
// (scripts/recovery-figures.sh); MLTF_TEST_UNREACHABLE_SECONDS gives the
// pool a toleration of that many seconds instead of the default.
func TestRealPodsUnresponsiveNode(t *testing.T) {
	if os.Getenv("MLTF_TEST_UNRESPONSIVE_NODE") != "1" {
		t.Skip("takes minutes: MLTF_TEST_UNRESPONSIVE_NODE=1 scripts/test-kubernetes.sh -run UnresponsiveNode -v")
	}
	node, _ := realNode(t)
	kubelet := kubeletPID(t)
	r := newRealRun(t, "real-unresp", nil)
	r.configure(`["python3", "src/train.py"]`, `{ lr = 0.05, epochs = 60 }`, "2s", 0)
	toleration := "the default 300 s"
	if s := os.Getenv("MLTF_TEST_UNREACHABLE_SECONDS"); s != "" {
		b, err := os.ReadFile(filepath.Join(r.dir, "main.mltf.hcl"))
		if err != nil {
			t.Fatal(err)
		}
		own := `{ key = "node.kubernetes.io/unreachable", operator = "Exists", effect = "NoExecute", toleration_seconds = "` + s + `" }, `
		r.write("main.mltf.hcl", strings.Replace(string(b), "tolerations   = [", "tolerations   = ["+own, 1))
		toleration = s + " s (the pool's)"
	}
	ctx := context.Background()
	resumed := false
	resume := func() {
		if !resumed {
			syscall.Kill(kubelet, syscall.SIGCONT)
			resumed = true
		}
	}
	t.Cleanup(resume)
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			resume()
			r.mltf(-1, 3*time.Minute, "destroy", "-auto-approve")
		}
	})
	done := make(chan struct{})
	var res struct {
		code int
		out  string
	}
	go func() {
		defer close(done)
		a := runMLTF(t, r.dir, -1, 20*time.Minute, "apply", "-auto-approve")
		res.code, res.out = a.Code, a.Stdout+a.Stderr
	}()

	// Two committed checkpoints on the volume, then the node goes quiet.
	var runDir string
	eventually(t, "two committed checkpoints", 5*time.Minute, func() bool {
		select {
		case <-done:
			t.Fatalf("apply ended before two checkpoints were committed:\n%s", res.out)
		default:
		}
		dirs, _ := filepath.Glob(filepath.Join(r.pvDir, "*", "checkpoints", "*", "COMMIT"))
		if len(dirs) >= 2 {
			runDir = filepath.Dir(filepath.Dir(filepath.Dir(dirs[0])))
		}
		return runDir != ""
	})
	runID := filepath.Base(runDir)
	clock := &recoveryClock{runID: runID, lostNode: node, nodes: 2}
	clock.watch(r.kube, r.ns)
	defer close(clock.stop)
	if err := syscall.Kill(kubelet, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	t.Logf("kubelet %d stopped at %s", kubelet, stopped.Format(time.TimeOnly))

	var notReady time.Time
	eventually(t, "the node marked not ready", 3*time.Minute, func() bool {
		n, err := r.kube.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err == nil && !nodeReady(n) {
			notReady = time.Now()
		}
		return !notReady.IsZero()
	})
	// The next attempt's Job; if it does not come, what the node and the
	// pods looked like.
	deadline := time.Now().Add(10 * time.Minute)
	for {
		clock.mu.Lock()
		created := !clock.created.IsZero()
		clock.mu.Unlock()
		if created {
			break
		}
		select {
		case <-done:
			t.Fatalf("apply ended while the node was unreachable: exit %d\n%s", res.code, res.out)
		default:
		}
		if time.Now().After(deadline) {
			n, _ := r.kube.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
			pods, _ := r.kube.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{})
			var b strings.Builder
			if n != nil {
				fmt.Fprintf(&b, "node taints %+v conditions %+v\n", n.Spec.Taints, n.Status.Conditions)
			}
			if pods != nil {
				for _, p := range pods.Items {
					fmt.Fprintf(&b, "pod %s phase %s deleted %v tolerations %+v conditions %+v\n", p.Name, p.Status.Phase, p.DeletionTimestamp, p.Spec.Tolerations, p.Status.Conditions)
				}
			}
			t.Fatalf("no next attempt's Job 10 minutes after the kubelet stopped:\n%s", b.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	resume()
	back := time.Now()
	eventually(t, "both pods of attempt 2 running", 5*time.Minute, clock.done)
	<-done
	if res.code != 0 {
		t.Fatalf("apply: exit %d\n%s", res.code, res.out)
	}
	if got := r.mltf(0, time.Minute, "output", "-raw", "status").Stdout; got != training.StatusFinished {
		t.Errorf("status %q\n%s", got, res.out)
	}
	log := r.podLog(runID, 2, 0)
	m := regexp.MustCompile(`=== mltf: attempt 2, node 0 of 2, 1 ranks, resuming from (epoch-\d+) ===`).FindStringSubmatch(log)
	if m == nil || !strings.Contains(log, "rank 0 resumed from /mltf/output/checkpoints/"+m[1]) {
		t.Fatalf("attempt 2 does not resume from a checkpoint:\n%s", log)
	}
	show := strings.Join(strings.Fields(r.mltf(0, time.Minute, "state", "show", "training.mlp").Stdout), " ")
	if !strings.Contains(show, `"infrastructure": 1`) {
		t.Errorf("the restart is not counted against retry.infrastructure:\n%s", show)
	}
	clock.mu.Lock()
	disrupted, reason, created, running := clock.disrupted, clock.reason, clock.created, clock.running
	clock.mu.Unlock()
	rd := func(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
	t.Logf("MEASURE an unresponsive real node (kubelet stopped), toleration %s: node not ready after %s (node-monitor-grace-period) + pods evicted (%s) %s later (toleration) + mltf replaces the Job %s = %s from the stop to the next attempt's Job; kubelet back -> both pods running %s; resumed from %s",
		toleration, rd(notReady.Sub(stopped)), reason, rd(disrupted.Sub(notReady)), rd(created.Sub(disrupted)), rd(created.Sub(stopped)), rd(running.Sub(back)), m[1])
	r.destroy()
	destroyed = true
}
