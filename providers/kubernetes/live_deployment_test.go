package kubernetes

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"

	"github.com/mltf/mltf/kinds/deployment"
	"github.com/mltf/mltf/serving"
)

// servingProvider is a provider configured with an mltf image, as the
// deployment kind needs.
func (h *harness) servingProvider() *Provider {
	h.mltfImage = "registry.example/mltf@sha256:4567"
	return h.provider(h.cfg)
}

// modelFiles writes a version's files as the registry hands them over.
func modelFiles(t *testing.T, version string) string {
	dir := t.TempDir()
	files := map[string]string{serving.ManifestFile: `{"format": "torchscript", "file": "model.pt", "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}]}`,
		"model.pt": "weights of version " + version}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLiveDeploymentObjects renders a deployment's objects on the test
// control plane through the backend the deployment kind drives: the
// front end's Deployment, Service and ConfigMap, a version's Deployment,
// headless Service, ConfigMap (its files) and autoscaler; a second
// version, the first retired, the traffic settled into the front end's
// spec (which a front end created again keeps); destroy leaves nothing.
// The rollout itself needs the front end's pod to answer, which kwok's
// pods do not (see TestRealPodsDeployment).
func TestLiveDeploymentObjects(t *testing.T) {
	h := newHarness(t, "mltf-it-serve")
	ctx := context.Background()
	p := h.servingProvider()
	// The pool's nodes are tainted for GPUs: its tolerations let the
	// front end's pod run there (kwok's), so that Settle finds it ready.
	pv := poolOf(h.cluster(ctx), "a100").AsValueMap()
	pv["tolerations"] = cty.ListVal([]cty.Value{cty.MapVal(map[string]cty.Value{
		"key": cty.StringVal("nvidia.com/gpu"), "operator": cty.StringVal("Exists"), "effect": cty.StringVal("NoSchedule")})})
	pool := cty.ObjectVal(pv)
	b := &deployments{p: p}
	c := &deployment.Config{Model: "digits", Alias: "production", Target: 1, Pool: pool, Replicas: 2, Image: "registry.example/torch@sha256:89ab",
		MilliCPUs: 500, Memory: "1Gi", GPUs: 1, MaxBatchSize: 16, MaxLatency: 5 * time.Millisecond, Autoscale: &deployment.Autoscale{Min: 2, Max: 5, TargetCPU: 60, TargetRPS: 100}}
	d := &deployment.Deployment{Address: "deployment.digits", Config: c, Settings: p.flow.Settings()}
	diags := b.Check(d)
	if diags.HasErrors() {
		t.Fatalf("check: %v", diags)
	}
	// The test control plane has neither metrics-server nor a metrics
	// adapter: plan says the autoscaler would never scale, and why.
	var warned []string
	for _, w := range diags {
		warned = append(warned, w.Summary)
		if !strings.Contains(w.Detail, "the API server lists no API group") || !strings.Contains(w.Detail, "keeps autoscale.min (2) workers") {
			t.Errorf("warning %q: %s", w.Summary, w.Detail)
		}
	}
	if want := "target_rps cannot scale on this cluster, target_cpu cannot scale on this cluster"; strings.Join(warned, ", ") != want {
		t.Errorf("warnings %q, want %q", warned, want)
	}
	if got, want := b.URL(d), "http://mltf-digits."+h.ns+".svc:8080"; got != want {
		t.Errorf("url %q, want %q", got, want)
	}
	s, _ := b.spec(d)
	conn, err := p.connection()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Destroy(context.Background(), d) })
	baseline := &serving.Baseline{Columns: []serving.BaselineColumn{{Name: "x0", Edges: []float64{0, 1}, Expected: []float64{0.5, 0.5, 0}}}}
	if err := applyFrontend(ctx, conn, s, baseline); err != nil {
		t.Fatal(err)
	}

	// The front end.
	apps, core := h.kube.AppsV1().Deployments(h.ns), h.kube.CoreV1()
	fe, err := apps.Get(ctx, "mltf-digits", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fc := fe.Spec.Template.Spec.Containers[0]
	if *fe.Spec.Replicas != 1 || fc.Image != "registry.example/mltf@sha256:4567" || strings.Join(fc.Command, " ") != "mltf internal-serve /mltf/frontend" {
		t.Errorf("front end: replicas %d, image %q, command %q", *fe.Spec.Replicas, fc.Image, fc.Command)
	}
	if fc.ReadinessProbe.HTTPGet.Path != "/v2/health/ready" || fc.LivenessProbe.HTTPGet.Path != "/v2/health/live" {
		t.Errorf("front end probes %+v %+v", fc.ReadinessProbe.HTTPGet, fc.LivenessProbe.HTTPGet)
	}
	if got := fe.Spec.Template.Spec.NodeSelector["mltf.dev/test-pool"]; got != "gpu" || len(fe.Spec.Template.Spec.Tolerations) != 1 {
		t.Errorf("front end node selector %v and tolerations %v, want the pool's", fe.Spec.Template.Spec.NodeSelector, fe.Spec.Template.Spec.Tolerations)
	}
	svc, err := core.Services(h.ns).Get(ctx, "mltf-digits", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone || svc.Spec.Ports[0].Port != 8080 ||
		svc.Spec.Selector[labelComponent] != componentFrontend {
		t.Errorf("front end Service %+v", svc.Spec)
	}
	ownedByDeployment(t, svc.OwnerReferences, fe)
	spec := frontendSpecOf(t, h, "mltf-digits-frontend")
	if spec.Model != "digits" || spec.Listen != "0.0.0.0:8080" || spec.Admin != "0.0.0.0:9001" || spec.Batching.MaxBatchSize != 16 ||
		spec.Baseline == nil || len(spec.Versions) != 0 {
		t.Errorf("front end spec %+v", spec)
	}

	// Version 1.
	if _, err := b.Version(ctx, d, deployment.Served{Version: 1, Dir: modelFiles(t, "1")}); err != nil {
		t.Fatal(err)
	}
	v1 := checkVersion(t, h, fe, 1, nil)
	hpa, err := h.kube.AutoscalingV2().HorizontalPodAutoscalers(h.ns).Get(ctx, "mltf-digits-v1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *hpa.Spec.MinReplicas != 2 || hpa.Spec.MaxReplicas != 5 || hpa.Spec.ScaleTargetRef.Name != "mltf-digits-v1" ||
		hpa.Spec.Metrics[0].Resource.Target.AverageValue.String() != "600m" || hpa.Spec.Metrics[1].Pods.Metric.Name != "mltf_worker_requests_per_second" {
		t.Errorf("autoscaler %+v", hpa.Spec)
	}
	ownedByDeployment(t, hpa.OwnerReferences, v1)
	served := []serving.Version{{Version: 1, Weight: 100, Workers: []string{"mltf-digits-v1." + h.ns + ".svc:9000"}}}
	if err := b.Settle(ctx, d, served); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(served, frontendSpecOf(t, h, "mltf-digits-frontend").Versions); diff != "" {
		t.Errorf("settled versions (-want +got):\n%s", diff)
	}

	// Version 2 without autoscale: replicas, no autoscaler; version 1
	// retired.
	c.Autoscale = nil
	if _, err := b.Version(ctx, d, deployment.Served{Version: 2, Dir: modelFiles(t, "2")}); err != nil {
		t.Fatal(err)
	}
	v2 := checkVersion(t, h, fe, 2, ptr(int32(2)))
	if _, err := h.kube.AutoscalingV2().HorizontalPodAutoscalers(h.ns).Get(ctx, "mltf-digits-v2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("version 2 has an autoscaler without autoscale (%v)", err)
	}
	if err := b.Retire(ctx, d, 1); err != nil {
		t.Fatal(err)
	}
	if names := h.servingObjects(s.selector("", 1)); len(names) > 0 {
		t.Errorf("version 1 retired, still: %v", names)
	}
	served = []serving.Version{{Version: 2, Weight: 100, Workers: []string{"mltf-digits-v2." + h.ns + ".svc:9000"}}}
	if err := b.Settle(ctx, d, served); err != nil {
		t.Fatal(err)
	}
	// A front end written again (its pod gone, say) keeps what it serves.
	if err := applyFrontend(ctx, conn, s, baseline); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(served, frontendSpecOf(t, h, "mltf-digits-frontend").Versions); diff != "" {
		t.Errorf("versions after the front end was applied again (-want +got):\n%s", diff)
	}
	if v2.UID == "" {
		t.Fatal("version 2 has no uid")
	}

	if err := b.Destroy(ctx, d); err != nil {
		t.Fatal(err)
	}
	if names := h.servingObjects(s.selector("", 0)); len(names) > 0 {
		t.Errorf("destroyed, still: %v", names)
	}
}

func ptr[T any](v T) *T { return &v }

// checkVersion checks version v's Deployment, Service and ConfigMap and
// returns the Deployment.
func checkVersion(t *testing.T, h *harness, fe *appsv1.Deployment, v int64, replicas *int32) *appsv1.Deployment {
	t.Helper()
	ctx := context.Background()
	name := "mltf-digits-v" + map[int64]string{1: "1", 2: "2"}[v]
	dep, err := h.kube.AppsV1().Deployments(h.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ownedByDeployment(t, dep.OwnerReferences, fe)
	if replicas != nil && *dep.Spec.Replicas != *replicas {
		t.Errorf("%s: replicas %d, want %d", name, *dep.Spec.Replicas, *replicas)
	}
	wc := dep.Spec.Template.Spec.Containers[0]
	if wc.Image != "registry.example/torch@sha256:89ab" || wc.ReadinessProbe.HTTPGet.Path != "/v1/health/ready" ||
		wc.LivenessProbe.HTTPGet.Path != "/v1/health/live" || wc.Ports[0].ContainerPort != workerPort {
		t.Errorf("%s: worker container %+v", name, wc)
	}
	// cpus, memory and gpus, each a worker's, as the API server keeps them.
	if r := wc.Resources; r.Requests.Cpu().String() != "500m" || r.Requests.Memory().String() != "1Gi" || r.Limits.Memory().String() != "1Gi" ||
		r.Requests.Name("nvidia.com/gpu", resource.DecimalSI).Value() != 1 || r.Limits.Name("nvidia.com/gpu", resource.DecimalSI).Value() != 1 {
		t.Errorf("%s: worker resources %+v, want 500m CPU, 1Gi and 1 nvidia.com/gpu", name, r)
	}
	if want := "python3 /mltf/files/mltf_worker.py --model /mltf/model --port 9000"; !strings.HasSuffix(strings.Join(wc.Command, " "), want) {
		t.Errorf("%s: command %q, want it to end in %q", name, wc.Command, want)
	}
	if dep.Spec.Template.Labels[labelModelVersion] == "" {
		t.Errorf("%s: pod labels %v", name, dep.Spec.Template.Labels)
	}
	if a := dep.Spec.Template.Annotations; a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != "9000" || a["prometheus.io/path"] != "/metrics" {
		t.Errorf("%s: pod annotations %v, want the worker's /metrics scraped", name, a)
	}
	svc, err := h.kube.CoreV1().Services(h.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.ClusterIP != corev1.ClusterIPNone || svc.Spec.Selector[labelModelVersion] != dep.Spec.Template.Labels[labelModelVersion] {
		t.Errorf("%s: Service %+v", name, svc.Spec)
	}
	ownedByDeployment(t, svc.OwnerReferences, dep)
	cm, err := h.kube.CoreV1().ConfigMaps(h.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cm.Data["mltf_worker.py"], "mltf serving worker") {
		t.Errorf("%s: the ConfigMap lacks the worker", name)
	}
	files := untar(t, cm.BinaryData["model.tar.gz"])
	if files["model.pt"] != "weights of version "+strings.TrimPrefix(name, "mltf-digits-v") || files[serving.ManifestFile] == "" {
		t.Errorf("%s: files %v", name, files)
	}
	return dep
}

func ownedByDeployment(t *testing.T, refs []metav1.OwnerReference, owner *appsv1.Deployment) {
	t.Helper()
	if len(refs) != 1 || refs[0].Kind != "Deployment" || refs[0].UID != owner.UID {
		t.Errorf("owner references %+v, want Deployment %s", refs, owner.Name)
	}
}

func frontendSpecOf(t *testing.T, h *harness, name string) serving.Spec {
	t.Helper()
	cm, err := h.kube.CoreV1().ConfigMaps(h.ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var s serving.Spec
	if err := json.Unmarshal([]byte(cm.Data[serving.SpecFile]), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func untar(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	tr := tar.NewReader(zr)
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		out[hd.Name] = string(body)
	}
}

// servingObjects lists the objects labelled sel that remain, once the
// garbage collector has had its time.
func (h *harness) servingObjects(sel map[string]string) []string {
	ls := labels.SelectorFromSet(sel).String()
	var names []string
	dyn := dynamic.NewForConfigOrDie(h.cfg)
	list := func() []string {
		var out []string
		for _, g := range []gvr{gvrDeployment, gvrService, gvrConfigMap, gvrHPA, {Version: "v1", Resource: "pods"}} {
			l, err := dyn.Resource(g).Namespace(h.ns).List(context.Background(), metav1.ListOptions{LabelSelector: ls})
			if err != nil {
				out = append(out, g.Resource+": "+err.Error())
				continue
			}
			for _, o := range l.Items {
				out = append(out, g.Resource+" "+o.GetName())
			}
		}
		sort.Strings(out)
		return out
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if names = list(); len(names) == 0 {
			break
		}
	}
	return names
}
