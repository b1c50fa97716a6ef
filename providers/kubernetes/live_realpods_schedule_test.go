package kubernetes

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/internal/pgtest"
)

// forward listens on listen and joins every connection to one that dial
// opens, until the test ends; it returns the address it listens on.
func forward(t *testing.T, listen string, dial func() (net.Conn, error)) string {
	t.Helper()
	l, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				d, err := dial()
				if err != nil {
					return
				}
				defer d.Close()
				go func() { io.Copy(d, c); d.Close() }()
				io.Copy(c, d)
			}()
		}
	}()
	return l.Addr().String()
}

// podReachable makes the test cluster's API server and a PostgreSQL server
// reachable from pods on the real node, as a cluster's are: the API server
// at the kubernetes Service's address (what in-cluster configuration
// dials), through a DNAT rule on the node's bridge to a forwarder on the
// bridge's address, and PostgreSQL at a port of the bridge's address. The
// test cluster's control plane listens on loopback only and has no
// kube-proxy. It returns PostgreSQL's host:port.
func podReachable(t *testing.T, node string) string {
	t.Helper()
	ctx := context.Background()
	cfg := liveCluster(t)
	kube := kubernetes.NewForConfigOrDie(cfg)
	n, err := kube.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gateway := ""
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			gateway = a.Address
		}
	}
	svc, err := kube.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	apiFwd := forward(t, gateway+":0", func() (net.Conn, error) { return net.Dial("tcp", api.Host) })
	b, err := os.ReadFile(filepath.Join(os.Getenv("MLTF_TESTCLUSTER_DIR"), "node", "bridge"))
	if err != nil {
		t.Fatal(err)
	}
	rule := []string{"PREROUTING", "-i", strings.TrimSpace(string(b)), "-d", svc.Spec.ClusterIP + "/32", "-p", "tcp", "--dport",
		strconv.Itoa(int(svc.Spec.Ports[0].Port)), "-j", "DNAT", "--to-destination", apiFwd}
	if out, err := exec.Command("iptables", append([]string{"-t", "nat", "-I"}, rule...)...).CombinedOutput(); err != nil {
		t.Fatalf("iptables: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("iptables", append([]string{"-t", "nat", "-D"}, rule...)...).Run() })

	pg, err := url.Parse(pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(pg.Query().Get("host"), ".s.PGSQL.5432")
	return forward(t, gateway+":0", func() (net.Conn, error) { return net.Dial("unix", sock) })
}

// trackingSchema is a fresh schema of the test's PostgreSQL server.
func trackingSchema(t *testing.T) string {
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}

// TestRealPodsScheduledPipeline lets a pipeline's CronJob really run on the
// real node: its pod, from an image holding the mltf binary
// (scripts/testcluster/mltfimage.sh), unpacks the configuration from the
// CronJob's ConfigMap and applies the pipeline in-cluster against the
// state and tracking stores in PostgreSQL, the tick's time from the Job's
// name. The state having forgotten the pipeline, the scheduled apply runs
// its step as a pod of its own (the input copied in from the pod's
// configuration, the output out of the step's pod) and records the run
// with its tick, which mltf pipelines show on this machine then lists.
func TestRealPodsScheduledPipeline(t *testing.T) {
	node, image := realNode(t)
	mltfImage := func() string {
		out, err := exec.Command("../../scripts/testcluster/mltfimage.sh", e2e.Binary(t), os.Getenv("MLTF_TESTCLUSTER_DIR")).Output()
		if err != nil {
			t.Fatalf("mltfimage.sh: %v", err)
		}
		return strings.TrimSpace(string(out))
	}()
	pgAddr := podReachable(t, node)
	r := newRealRun(t, "real-sched", map[string]string{"steps/clean.py": cleanScript, "data/raw.csv": "a,b\n1,2\n3,\n5,6\n"})
	schema := "s" + strconv.FormatInt(time.Now().UnixNano(), 36)
	db := "postgres://postgres@" + pgAddr + "/postgres?sslmode=disable"
	// The artifact store stays on this machine, at a path the pod does not
	// have: a scheduled apply with nothing new reads none of it.
	cfg := fmt.Sprintf(`mltf {
  state { url = %q }
  tracking { url = %q }
  artifacts { url = %q }
}
`, db+"&schema="+schema+"_state", db+"&search_path="+trackingSchema(t), "file://"+filepath.Join(r.dir, "artifacts")) +
		strings.Replace(fmt.Sprintf(realClusterConfig, "", r.ns), "provider \"kubernetes\" {\n", fmt.Sprintf("provider \"kubernetes\" {\n  mltf_image = %q\n", mltfImage), 1) +
		fmt.Sprintf(`
dataset "raw" {
  source = "data/raw.csv"
  format = "csv"
}

pipeline "prep" {
  pool = cluster.real.pool.cpu
  step "clean" {
    code    = "./steps"
    image   = %q
    command = ["python3", "clean.py"]
    inputs  = { raw = dataset.raw }
    outputs = ["clean.csv"]
  }
  schedule {
    cron = "* * * * *"
  }
}
`, image)
	r.write("main.mltf.hcl", cfg)
	t.Cleanup(func() { r.mltf(-1, 3*time.Minute, "destroy", "-auto-approve") })
	apply := r.mltf(0, 8*time.Minute, "apply", "-auto-approve")
	ctx := context.Background()
	cj, err := r.kube.BatchV1().CronJobs(r.ns).Get(ctx, "mltf-pipeline-prep", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("no CronJob after apply: %v\n%s", err, apply.Stdout)
	}

	// The state forgets the pipeline, so the scheduled apply has work to
	// do: its step cache is in this machine's artifact store, out of the
	// pod's reach, so it runs the step again, as a pod it launches.
	r.mltf(0, time.Minute, "state", "rm", "pipeline.prep")
	forgot := time.Now()

	// The next tick's Job, to its end.
	var job *batchv1.Job
	eventually(t, "a Job of the CronJob's next tick to end", 5*time.Minute, func() bool {
		l, err := r.kube.BatchV1().Jobs(r.ns).List(ctx, metav1.ListOptions{LabelSelector: labelComponent + "=" + componentSchedule})
		if err != nil {
			return false
		}
		for i := range l.Items {
			j := &l.Items[i]
			minutes, _ := strconv.ParseInt(j.Name[strings.LastIndexByte(j.Name, '-')+1:], 10, 64)
			if jobDone(j) != "" && minutes*60 > forgot.Unix() {
				job = j
				return true
			}
		}
		return false
	})
	pods, err := r.kube.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{LabelSelector: batchv1.JobNameLabel + "=" + job.Name})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("pods of Job %s: %v", job.Name, err)
	}
	logs, err := r.kube.CoreV1().Pods(r.ns).GetLogs(pods.Items[0].Name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		logs = []byte(fmt.Sprintf("(cannot read it: %v)", err))
	}
	if jobDone(job) != string(batchv1.JobComplete) {
		t.Fatalf("the CronJob's Job %s ended %s; its pod: %+v\nits log:\n%s", job.Name, jobDone(job), pods.Items[0].Status, logs)
	}
	minutes, _ := strconv.ParseInt(job.Name[strings.LastIndexByte(job.Name, '-')+1:], 10, 64)
	tick := time.Unix(minutes*60, 0).UTC().Format(time.RFC3339)
	if !strings.Contains(string(logs), "Apply complete! Resources: 1 added") {
		t.Errorf("the scheduled apply's log:\n%s", logs)
	}
	show := r.mltf(0, time.Minute, "pipelines", "show", "prep").Stdout
	if !strings.Contains(show, tick) || !strings.Contains(show, "finished  1    0") {
		t.Errorf("pipelines show lacks the scheduled run of tick %s:\n%s\nthe scheduled apply's log:\n%s", tick, show, logs)
	}
	t.Logf("MEASURE CronJob %s: tick %s, Job created %s, pod's mltf apply done %s", cj.Name, tick,
		job.CreationTimestamp.UTC().Format(time.TimeOnly), job.Status.CompletionTime.UTC().Format(time.TimeOnly))
}
