package kubernetes

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/mltf/mltf/kinds/deployment"
	"github.com/mltf/mltf/serving"
)

// Ports and paths of a deployment's pods.
const (
	frontendPort = 8080 // the front end's Open Inference Protocol port, the Service's
	adminPort    = 9001 // the front end's admin API, reached through the API server's pod proxy
	workerPort   = 9000 // a worker's port, behind its version's headless Service

	frontendDir = "/mltf/frontend" // the front end's directory: spec.json, timeline
	filesDir    = "/mltf/files"    // a version's ConfigMap: model.tar.gz, mltf_worker.py
	modelDir    = "/mltf/model"    // the version's files, unpacked

	labelModelVersion = "mltf.dev/model-version"

	componentFrontend = "serving-frontend"
	componentWorker   = "serving-worker"
)

// servingSpec is one deployment as rendered on the cluster: a front end
// (Deployment, Service, ConfigMap with its spec) and, per served version,
// workers (Deployment, headless Service, ConfigMap with the model's files,
// HorizontalPodAutoscaler with autoscale).
type servingSpec struct {
	Address, Workspace string
	Namespace          string
	Config             *deployment.Config
	Pool               poolRef
	MltfImage          string
}

// base names the front end's objects: mltf-digits; a workspace other than
// the default adds itself: mltf-digits-staging. Versions add -vN.
func (s *servingSpec) base() string { return resourceName("mltf-", s.Address, s.Workspace, 30, 16) }

// resourceName names the objects of the resource at address: prefix, the
// resource's name (at most n characters) and, for a workspace other than
// the default, the workspace's (at most w).
func resourceName(prefix, address, workspace string, n, w int) string {
	name := address
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	out := prefix + dnsName(name, n)
	if ws := workspaceOr(workspace); ws != "default" {
		out += "-" + dnsName(ws, w)
	}
	return out
}

func (s *servingSpec) versionName(v int64) string { return s.base() + "-v" + strconv.FormatInt(v, 10) }

// URL is the front end's address inside the cluster.
func (s *servingSpec) URL() string {
	return fmt.Sprintf("http://%s.%s.svc:%d", s.base(), s.Namespace, frontendPort)
}

// workerAddr is where the front end reaches the workers of version v.
func (s *servingSpec) workerAddr(v int64) string {
	return fmt.Sprintf("%s.%s.svc:%d", s.versionName(v), s.Namespace, workerPort)
}

// replicas is how many workers a version has once all are ready: its
// replicas, or autoscale's min.
func (s *servingSpec) replicas() int {
	if a := s.Config.Autoscale; a != nil {
		return a.Min
	}
	return s.Config.Replicas
}

// selector selects the objects of the deployment (component "" : all of
// them), or of one of its versions.
func (s *servingSpec) selector(component string, version int64) map[string]string {
	m := map[string]string{
		labelManagedBy: managedBy,
		labelAddress:   labelValue(s.Address),
		labelWorkspace: labelValue(workspaceOr(s.Workspace)),
	}
	if component != "" {
		m[labelComponent] = component
	}
	if version != 0 {
		m[labelModelVersion] = strconv.FormatInt(version, 10)
	}
	return m
}

func (s *servingSpec) meta(name, component string, version int64) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: s.Namespace, Labels: s.selector(component, version),
		Annotations: map[string]string{annotAddress: s.Address}}
}

// frontendSpec is the front end's spec.json: it listens on every address
// of its pod and serves versions.
func (s *servingSpec) frontendSpec(baseline *serving.Baseline, versions []serving.Version) serving.Spec {
	c := s.Config
	return serving.Spec{Model: c.Model, Listen: fmt.Sprintf("0.0.0.0:%d", frontendPort), Admin: fmt.Sprintf("0.0.0.0:%d", adminPort),
		Batching: serving.Batching{MaxBatchSize: c.MaxBatchSize, MaxLatency: serving.Duration(c.MaxLatency)},
		Baseline: baseline, Versions: versions}
}

func (s *servingSpec) frontendConfigMap(spec serving.Spec) (*corev1.ConfigMap, error) {
	raw, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: s.meta(s.base()+"-frontend", componentFrontend, 0),
		Data:       map[string]string{serving.SpecFile: string(raw)},
	}, nil
}

// frontendDeployment runs one front end, `mltf internal-serve`, from the
// mltf image. A rollout's traffic and counts live in the front end, which
// mltf drives through its admin API; one replica keeps them in one place.
func (s *servingSpec) frontendDeployment() *appsv1.Deployment {
	one := int32(1)
	zero := intstr.FromInt32(0)
	sel := s.selector(componentFrontend, 0)
	pod := s.podSpec()
	pod.Volumes = []corev1.Volume{
		{Name: "spec", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: s.base() + "-frontend"}}}},
		{Name: "run", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	pod.Containers = []corev1.Container{{
		Name:    "frontend",
		Image:   s.MltfImage,
		Command: []string{"mltf", "internal-serve", frontendDir},
		Ports: []corev1.ContainerPort{
			{Name: "http", ContainerPort: frontendPort}, {Name: "admin", ContainerPort: adminPort},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "run", MountPath: frontendDir},
			{Name: "spec", MountPath: frontendDir + "/" + serving.SpecFile, SubPath: serving.SpecFile, ReadOnly: true},
		},
		ReadinessProbe: probe("/v2/health/ready", "http", 0, 3),
		LivenessProbe:  probe("/v2/health/live", "http", 10, 3),
	}}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: s.meta(s.base(), componentFrontend, 0),
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			// The new pod first: traffic goes on while a front end is replaced.
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &zero}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel}, Spec: pod},
		},
	}
}

// frontendService is the deployment's address: its url attribute.
func (s *servingSpec) frontendService() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: s.meta(s.base(), componentFrontend, 0),
		Spec: corev1.ServiceSpec{
			Selector: s.selector(componentFrontend, 0),
			Ports:    []corev1.ServicePort{{Name: "http", Port: frontendPort, TargetPort: intstr.FromString("http")}},
		},
	}
}

// versionConfigMap holds version v's files as one archive, and mltf's
// TorchScript worker.
func (s *servingSpec) versionConfigMap(v int64, model, worker []byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: s.meta(s.versionName(v), componentWorker, v),
		Data:       map[string]string{"mltf_worker.py": string(worker)},
		BinaryData: map[string][]byte{"model.tar.gz": model},
	}
}

// workerCommand is what a worker container runs: the version's files
// unpacked into modelDir, then the worker ("{model}" and "{port}" filled).
func (s *servingSpec) workerCommand() []string {
	command := s.Config.Worker
	if len(command) == 0 {
		command = []string{"python3", filesDir + "/mltf_worker.py", "--model", "{model}", "--port", "{port}"}
	}
	unpack := fmt.Sprintf(`mkdir -p %[1]s && tar -xzf %[2]s/model.tar.gz -C %[1]s && exec "$@"`, modelDir, filesDir)
	out := []string{"/bin/sh", "-c", unpack, "mltf-worker"}
	r := strings.NewReplacer("{model}", modelDir, "{port}", strconv.Itoa(workerPort))
	for _, a := range command {
		out = append(out, r.Replace(a))
	}
	return out
}

// versionDeployment runs the workers of version v: replicas of them, or
// as many as the autoscaler says.
func (s *servingSpec) versionDeployment(v int64) *appsv1.Deployment {
	c := s.Config
	sel := s.selector(componentWorker, v)
	var replicas *int32
	if c.Autoscale == nil {
		n := int32(s.replicas())
		replicas = &n
	}
	pod := s.podSpec()
	pod.Tolerations = gpuTolerations(pod.Tolerations, s.Pool.GPUResource, c.GPUs)
	pod.Volumes = []corev1.Volume{
		{Name: "files", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: s.versionName(v)}}}},
		{Name: "model", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	pod.Containers = []corev1.Container{{
		Name:    "worker",
		Image:   c.Image,
		Command: s.workerCommand(),
		Env: []corev1.EnvVar{
			{Name: "MLTF_MODEL", Value: c.Model}, {Name: "MLTF_MODEL_VERSION", Value: strconv.FormatInt(v, 10)},
			{Name: "MLTF_DEPLOYMENT", Value: s.Address},
			// The front end reaches the worker at the pod's address.
			{Name: "MLTF_WORKER_HOST", Value: "0.0.0.0"},
		},
		Ports:     []corev1.ContainerPort{{Name: "worker", ContainerPort: workerPort}},
		Resources: s.workerResources(),
		VolumeMounts: []corev1.VolumeMount{
			{Name: "files", MountPath: filesDir, ReadOnly: true}, {Name: "model", MountPath: modelDir},
		},
		// The worker protocol's health (docs/deployments.md): ready once
		// the model is loaded, which may take a while.
		ReadinessProbe: probe("/v1/health/ready", "worker", 0, 3),
		LivenessProbe:  probe("/v1/health/live", "worker", 30, 6),
	}}
	// The worker's counters, where Prometheus finds pods by the usual
	// annotations (docs/deployments.md, autoscale).
	scrape := map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": strconv.Itoa(workerPort), "prometheus.io/path": "/metrics"}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: s.meta(s.versionName(v), componentWorker, v),
		Spec: appsv1.DeploymentSpec{
			Replicas: replicas,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel, Annotations: scrape}, Spec: pod},
		},
	}
}

// workerResources are a worker container's requests and limits: the
// deployment's cpus, memory and gpus, each per worker. Check has parsed
// memory.
func (s *servingSpec) workerResources() corev1.ResourceRequirements {
	c := s.Config
	var memory *resource.Quantity
	if q, err := resource.ParseQuantity(c.Memory); c.Memory != "" && err == nil {
		memory = &q
	}
	return containerResources(s.Pool.GPUResource, c.GPUs, c.MilliCPUs, memory)
}

// versionService gives the front end the addresses of version v's ready
// workers by DNS (headless: no kube-proxy needed).
func (s *servingSpec) versionService(v int64) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: s.meta(s.versionName(v), componentWorker, v),
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  s.selector(componentWorker, v),
			Ports:     []corev1.ServicePort{{Name: "worker", Port: workerPort, TargetPort: intstr.FromString("worker")}},
		},
	}
}

// rpsMetric is the per-pod metric target_rps keeps: requests per second
// per worker, the rate of the worker's mltf_worker_requests_total (its
// /metrics, scraped by Prometheus) as prometheus-adapter serves it through
// the custom metrics API with the rule of docs/deployments.md.
const rpsMetric = "mltf_worker_requests_per_second"

// versionAutoscaler scales version v's workers between autoscale's min and
// max; nil without autoscale.
func (s *servingSpec) versionAutoscaler(v int64) *autoscalingv2.HorizontalPodAutoscaler {
	a := s.Config.Autoscale
	if a == nil {
		return nil
	}
	minReplicas := int32(a.Min)
	var metrics []autoscalingv2.MetricSpec
	if a.TargetCPU > 0 {
		// Percent of one core per worker, as an average value: a
		// utilization target is relative to the container's CPU request,
		// which workers without cpus do not have (such an autoscaler never
		// scales: "missing request for cpu"); with cpus the average value
		// keeps target_cpu's meaning, so it stays.
		q := resource.NewMilliQuantity(int64(a.TargetCPU)*10, resource.DecimalSI)
		metrics = append(metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q}}})
	}
	if a.TargetRPS > 0 {
		q := resource.NewQuantity(int64(a.TargetRPS), resource.DecimalSI)
		metrics = append(metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType,
			Pods: &autoscalingv2.PodsMetricSource{Metric: autoscalingv2.MetricIdentifier{Name: rpsMetric},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q}}})
	}
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: s.meta(s.versionName(v), componentWorker, v),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: s.versionName(v)},
			MinReplicas:    &minReplicas,
			MaxReplicas:    int32(a.Max),
			Metrics:        metrics,
		},
	}
}

// podSpec is what every pod of the deployment shares: the pool's node
// selector and tolerations, and its service account.
func (s *servingSpec) podSpec() corev1.PodSpec {
	var selector map[string]string
	if len(s.Pool.NodeSelector) > 0 || s.Pool.NodePool != "" {
		selector = map[string]string{}
		for k, v := range s.Pool.NodeSelector {
			selector[k] = v
		}
		if s.Pool.NodePool != "" {
			selector[labelNodePool] = s.Pool.NodePool
		}
	}
	grace := int64(30)
	return corev1.PodSpec{
		NodeSelector:                  selector,
		Tolerations:                   tolerationsOf(s.Pool.Tolerations),
		TerminationGracePeriodSeconds: &grace,
	}
}

func probe(path, port string, delay, failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(port)}},
		InitialDelaySeconds: delay, PeriodSeconds: 2, TimeoutSeconds: 2, FailureThreshold: failures,
	}
}
