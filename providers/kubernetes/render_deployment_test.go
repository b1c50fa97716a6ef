package kubernetes

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/mltf/mltf/kinds/deployment"
	"github.com/mltf/mltf/providers"
)

func TestServingNames(t *testing.T) {
	for _, tc := range []struct {
		name, address, workspace, base, url string
	}{
		{"default workspace", "deployment.digits", "", "mltf-digits", "http://mltf-digits.ml.svc:8080"},
		{"named workspace", "deployment.digits", "staging", "mltf-digits-staging", "http://mltf-digits-staging.ml.svc:8080"},
		{"underscores and instance keys", `deployment.fraud_model["eu"]`, "default", "mltf-fraud-model-eu", "http://mltf-fraud-model-eu.ml.svc:8080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &servingSpec{Address: tc.address, Workspace: tc.workspace, Namespace: "ml", Config: &deployment.Config{}}
			if s.base() != tc.base || s.URL() != tc.url || s.versionName(3) != tc.base+"-v3" {
				t.Errorf("base %q url %q version %q", s.base(), s.URL(), s.versionName(3))
			}
		})
	}
}

func TestWorkerCommand(t *testing.T) {
	s := &servingSpec{Config: &deployment.Config{}}
	want := []string{"/bin/sh", "-c", `mkdir -p /mltf/model && tar -xzf /mltf/files/model.tar.gz -C /mltf/model && exec "$@"`, "mltf-worker",
		"python3", "/mltf/files/mltf_worker.py", "--model", "/mltf/model", "--port", "9000"}
	if diff := cmp.Diff(want, s.workerCommand()); diff != "" {
		t.Errorf("default worker (-want +got):\n%s", diff)
	}
	s.Config.Worker = []string{"/opt/serve", "--dir={model}", "--listen", "0.0.0.0:{port}"}
	got := s.workerCommand()
	if diff := cmp.Diff([]string{"/opt/serve", "--dir=/mltf/model", "--listen", "0.0.0.0:9000"}, got[4:]); diff != "" {
		t.Errorf("own worker (-want +got):\n%s", diff)
	}
}

func TestServingAutoscaler(t *testing.T) {
	s := &servingSpec{Address: "deployment.d", Namespace: "ml", Config: &deployment.Config{Replicas: 3}}
	if s.versionAutoscaler(1) != nil {
		t.Error("an autoscaler without autoscale")
	}
	if r := s.versionDeployment(1).Spec.Replicas; r == nil || *r != 3 {
		t.Errorf("replicas %v, want 3", r)
	}
	s.Config.Autoscale = &deployment.Autoscale{Min: 1, Max: 4, TargetRPS: 200}
	hpa := s.versionAutoscaler(1)
	if len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].Pods == nil || hpa.Spec.Metrics[0].Pods.Metric.Name != rpsMetric ||
		hpa.Spec.Metrics[0].Pods.Target.AverageValue.Value() != 200 {
		t.Errorf("metrics %+v", hpa.Spec.Metrics)
	}
	if r := s.versionDeployment(1).Spec.Replicas; r != nil {
		t.Errorf("replicas %d with an autoscaler, which owns them", *r)
	}
	// target_cpu is percent of one core, as an average value: the workers
	// have no CPU request for a utilization to be relative to.
	s.Config.Autoscale = &deployment.Autoscale{Min: 1, Max: 4, TargetCPU: 70}
	if m := s.versionAutoscaler(1).Spec.Metrics; len(m) != 1 || m[0].Resource == nil || m[0].Resource.Target.AverageValue.String() != "700m" ||
		m[0].Resource.Target.AverageUtilization != nil {
		t.Errorf("cpu metric %+v", m)
	}
}

// TestServingWorkerResources: cpus, memory and gpus are each worker
// container's requests; memory and the pool's GPU resource are limits
// too, and GPU workers tolerate the GPU nodes' taint. Without them a
// worker asks for nothing, as before.
func TestServingWorkerResources(t *testing.T) {
	s := &servingSpec{Address: "deployment.d", Namespace: "ml", Config: &deployment.Config{Replicas: 2},
		Pool: poolRef{GPUResource: "nvidia.com/gpu", GPUsPerNode: 4}}
	pod := s.versionDeployment(1).Spec.Template.Spec
	if r := pod.Containers[0].Resources; r.Requests != nil || r.Limits != nil || len(pod.Tolerations) != 0 {
		t.Errorf("a worker without resources asks %+v, tolerates %+v", r, pod.Tolerations)
	}
	s.Config.MilliCPUs, s.Config.Memory, s.Config.GPUs = 1500, "2Gi", 1
	pod = s.versionDeployment(1).Spec.Template.Spec
	quantities := func(l corev1.ResourceList) map[string]string {
		out := map[string]string{}
		for k, q := range l {
			out[string(k)] = q.String()
		}
		return out
	}
	r := pod.Containers[0].Resources
	if diff := cmp.Diff(map[string]string{"cpu": "1500m", "memory": "2Gi", "nvidia.com/gpu": "1"}, quantities(r.Requests)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"memory": "2Gi", "nvidia.com/gpu": "1"}, quantities(r.Limits)); diff != "" {
		t.Errorf("limits (-want +got):\n%s", diff)
	}
	if len(pod.Tolerations) != 1 || pod.Tolerations[0].Key != "nvidia.com/gpu" {
		t.Errorf("tolerations %+v, want the GPU resource's taint", pod.Tolerations)
	}
	if fr := s.frontendDeployment().Spec.Template.Spec; fr.Containers[0].Resources.Requests != nil || len(fr.Tolerations) != 0 {
		t.Errorf("the front end asks %+v: resources are the workers'", fr.Containers[0].Resources)
	}

	// More GPUs per worker than a node of the pool has: no worker fits.
	pool := cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("gpu"), "provider": cty.StringVal("kubernetes"),
		"namespace": cty.StringVal("ml"), "gpus_per_node": cty.NumberIntVal(2), "gpu_resource": cty.StringVal("nvidia.com/gpu")})
	b := &deployments{p: NewWithOptions(Options{})}
	d := &deployment.Deployment{Address: "deployment.d", Config: &deployment.Config{Pool: pool, GPUs: 4, Image: "img"}}
	var got []string
	for _, diag := range b.Check(d) {
		got = append(got, diag.Summary)
	}
	if !strings.Contains(strings.Join(got, ", "), "Too many GPUs per worker") {
		t.Errorf("diagnostics %q, want Too many GPUs per worker", got)
	}
}

// TestServingCheck: on Kubernetes a deployment needs its workers' image
// and the provider's mltf image, and a pool of a kubernetes cluster.
func TestServingCheck(t *testing.T) {
	pool := cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("cpu"), "provider": cty.StringVal("local"), "namespace": cty.StringVal("")})
	p := NewWithOptions(Options{})
	b := &deployments{p: p}
	d := &deployment.Deployment{Address: "deployment.d", Config: &deployment.Config{Pool: pool, Memory: "lots"}, Settings: providers.Settings{}}
	var got []string
	for _, diag := range b.Check(d) {
		got = append(got, diag.Summary)
	}
	if want := "Pool of another provider, Missing image, Invalid memory, Missing mltf_image"; strings.Join(got, ", ") != want {
		t.Errorf("diagnostics %q, want %q", strings.Join(got, ", "), want)
	}
	if b.URL(d) != "" {
		t.Errorf("url %q for a pool without a namespace, want unknown", b.URL(d))
	}
}

// TestMetricsAPITrouble: a metrics API group is served when discovery
// lists it and its resources answer.
func TestMetricsAPITrouble(t *testing.T) {
	dc := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}
	if why := metricsAPITrouble(dc, groupCustomMetrics); !strings.Contains(why, "lists no API group custom.metrics.k8s.io") {
		t.Errorf("no group: %q", why)
	}
	dc.Resources = []*metav1.APIResourceList{{GroupVersion: "custom.metrics.k8s.io/v1beta2",
		APIResources: []metav1.APIResource{{Name: "pods/mltf_worker_requests_per_second", Namespaced: true}}}}
	if why := metricsAPITrouble(dc, groupCustomMetrics); why != "" {
		t.Errorf("served: %q", why)
	}
	if why := metricsAPITrouble(dc, groupResourceMetrics); why == "" {
		t.Error("metrics.k8s.io served by a cluster that lists only custom metrics")
	}
}
