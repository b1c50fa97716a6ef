package kubernetes

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mltf/mltf/kinds/training"
	"github.com/zclconf/go-cty/cty"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// gpuPool is the value of a pool of a kubernetes cluster, as the cluster
// kind computes it.
func gpuPool() cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"name": cty.StringVal("a100"), "cluster_id": cty.StringVal("https://k/namespaces/ml"), "provider": cty.StringVal("kubernetes"),
		"namespace": cty.StringVal("ml"), "gpus_per_node": cty.NumberIntVal(8), "gpu_resource": cty.NullVal(cty.String),
		"node_selector":    cty.MapVal(map[string]cty.Value{"nvidia.com/gpu.product": cty.StringVal("A100")}),
		"tolerations":      cty.NullVal(tolerationsType),
		"queue":            cty.NullVal(cty.String),
		"node_pool":        cty.StringVal("mltf-ml-a100"),
		"service_account":  cty.StringVal(trainingAccount),
		"priority_classes": cty.MapVal(map[string]cty.Value{"high": cty.StringVal("mltf-ml-high")}),
	})
}

func trainingVal(set map[string]cty.Value) cty.Value {
	m := map[string]cty.Value{
		"pool":    gpuPool(),
		"code":    cty.StringVal("testdata/code"),
		"command": cty.ListVal([]cty.Value{cty.StringVal("python3"), cty.StringVal("train.py")}),
		"image":   cty.StringVal("pytorch/pytorch@sha256:abc"),
		"params":  cty.ObjectVal(map[string]cty.Value{"lr": cty.NumberFloatVal(0.05)}),
		"env":     cty.MapVal(map[string]cty.Value{"FOO": cty.StringVal("bar")}),
		"distributed": cty.ObjectVal(map[string]cty.Value{
			"nodes": cty.NumberIntVal(2), "procs_per_node": cty.NumberIntVal(4), "backend": cty.StringVal("auto"),
			"master_port": cty.NullVal(cty.Number), "timeout": cty.StringVal("90s"),
			"nccl": cty.MapVal(map[string]cty.Value{"NCCL_SOCKET_IFNAME": cty.StringVal("eth0"), "NCCL_IB_DISABLE": cty.StringVal("1")}),
		}),
	}
	for k, v := range set {
		m[k] = v
	}
	return cty.ObjectVal(m)
}

func renderFor(t *testing.T, v cty.Value) (*runSpec, runObjects) {
	t.Helper()
	c, diags := decodeTraining(v)
	if diags.HasErrors() {
		t.Fatalf("decode: %v", diags)
	}
	in, _, data, err := plannedInputs(c, ".")
	if err != nil || in == nil {
		t.Fatalf("inputs: %v (unknown %v)", err, c.Unknown)
	}
	spec := &runSpec{Address: "training.mlp", Workspace: "default", RunID: "3f2a9c1d-0000-4000-8000-000000000000",
		Fingerprint: in.Fingerprint(), Attempt: 1, Config: c, Inputs: in, Data: data, Code: []byte("tgz"),
		ArtifactsURL: "s3://bucket/artifacts"}
	return spec, spec.render()
}

func envMap(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			m[e.Name] = e.Value
		}
	}
	return m
}

func TestRenderIndexedJob(t *testing.T) {
	spec, objs := renderFor(t, trainingVal(nil))
	job := objs.Job
	if job.Name != "mltf-mlp-3f2a9c1d-1" || job.Namespace != "ml" {
		t.Errorf("job %s/%s", job.Namespace, job.Name)
	}
	got := struct {
		Mode                              batchv1.CompletionMode
		Completions, Parallelism, Backoff int32
		Subdomain, SA, Restart            string
		Selector                          map[string]string
	}{*job.Spec.CompletionMode, *job.Spec.Completions, *job.Spec.Parallelism, *job.Spec.BackoffLimit,
		job.Spec.Template.Spec.Subdomain, job.Spec.Template.Spec.ServiceAccountName, string(job.Spec.Template.Spec.RestartPolicy),
		job.Spec.Template.Spec.NodeSelector}
	want := struct {
		Mode                              batchv1.CompletionMode
		Completions, Parallelism, Backoff int32
		Subdomain, SA, Restart            string
		Selector                          map[string]string
	}{batchv1.IndexedCompletion, 2, 2, 0, "mltf-mlp-3f2a9c1d", trainingAccount, "Never",
		map[string]string{"nvidia.com/gpu.product": "A100", labelNodePool: "mltf-ml-a100"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("job spec (-want +got):\n%s", d)
	}
	ctr := job.Spec.Template.Spec.Containers[0]
	gpu := ctr.Resources.Limits["nvidia.com/gpu"]
	if gpu.Value() != 4 {
		t.Errorf("GPU limit %v, want 4 (procs_per_node)", gpu.String())
	}
	if !tolerates(job.Spec.Template.Spec.Tolerations, "nvidia.com/gpu") {
		t.Errorf("GPU pods must tolerate the GPU taint: %v", job.Spec.Template.Spec.Tolerations)
	}
	if d := cmp.Diff([]string{"/bin/sh", "/mltf/launch/launch.sh", "python3", "train.py"}, ctr.Command); d != "" {
		t.Errorf("command (-want +got):\n%s", d)
	}
	if spec.masterAddr() != "mltf-mlp-3f2a9c1d-1-0.mltf-mlp-3f2a9c1d" {
		t.Errorf("master addr %s", spec.masterAddr())
	}
}

func TestRenderEnvironment(t *testing.T) {
	_, objs := renderFor(t, trainingVal(nil))
	env := envMap(objs.Job.Spec.Template.Spec.Containers[0])
	want := map[string]string{
		"WORLD_SIZE": "8", "LOCAL_WORLD_SIZE": "4", "GROUP_WORLD_SIZE": "2",
		"MASTER_ADDR": "mltf-mlp-3f2a9c1d-1-0.mltf-mlp-3f2a9c1d", "MASTER_PORT": "29500",
		"MLTF_BACKEND": "nccl", "MLTF_PARAMS": `{"lr":0.05}`, "MLTF_RUN_ID": "3f2a9c1d-0000-4000-8000-000000000000",
		"MLTF_ATTEMPT": "1", "TORCHELASTIC_RESTART_COUNT": "0", "TORCHELASTIC_MAX_RESTARTS": "3",
		"MLTF_DIST_TIMEOUT": "90", "TORCH_NCCL_ASYNC_ERROR_HANDLING": "1", "NCCL_ASYNC_ERROR_HANDLING": "1",
		"NCCL_SOCKET_IFNAME": "eth0", "NCCL_IB_DISABLE": "1", "FOO": "bar",
		"OMP_NUM_THREADS": "1", "PYTHONPATH": "/mltf/sdk", "MLTF_GPUS_PER_POD": "4",
		"MLTF_CHECKPOINT_DIR": "/mltf/output/checkpoints", "MLTF_ARTIFACT_DIR": "/mltf/output/artifacts",
		"MLTF_ARTIFACT_URI": "s3://bucket/artifacts/runs/3f2a9c1d-0000-4000-8000-000000000000/",
	}
	got := map[string]string{}
	for k := range want {
		got[k] = env[k]
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
	for _, k := range []string{"RANK", "LOCAL_RANK", "NODE_RANK", "MLTF_RESUME_FROM"} {
		if _, ok := env[k]; ok {
			t.Errorf("%s is per rank and must be set by the launcher, not the pod spec", k)
		}
	}
}

func TestRenderLabelsAndService(t *testing.T) {
	spec, objs := renderFor(t, trainingVal(map[string]cty.Value{
		"options": cty.ObjectVal(map[string]cty.Value{"priority": cty.StringVal("high"), "host_network": cty.True,
			"checkpoint_volume": cty.StringVal("shared"), "labels": cty.MapVal(map[string]cty.Value{"team": cty.StringVal("vision")})}),
	}))
	for name, l := range map[string]map[string]string{
		"job": objs.Job.Labels, "pod": objs.Job.Spec.Template.Labels, "service": objs.Service.Labels, "configmap": objs.ConfigMap.Labels,
	} {
		for k, v := range map[string]string{labelManagedBy: "mltf", labelAddress: "training.mlp", labelRunID: spec.RunID, labelWorkspace: "default"} {
			if l[k] != v {
				t.Errorf("%s label %s = %q, want %q", name, k, l[k], v)
			}
		}
	}
	if objs.Job.Spec.Template.Labels["team"] != "vision" || objs.Job.Spec.Template.Labels[labelAttempt] != "1" {
		t.Errorf("pod labels %v", objs.Job.Spec.Template.Labels)
	}
	svc := objs.Service.Spec
	if svc.ClusterIP != corev1.ClusterIPNone || !svc.PublishNotReadyAddresses || svc.Selector[labelRunID] != spec.RunID || svc.Ports[0].Port != 29500 {
		t.Errorf("service is not headless for the run: %+v", svc)
	}
	ps := objs.Job.Spec.Template.Spec
	if ps.PriorityClassName != "mltf-ml-high" || !ps.HostNetwork || ps.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
		t.Errorf("priority %q host network %v dns %q", ps.PriorityClassName, ps.HostNetwork, ps.DNSPolicy)
	}
	var mounted bool
	for _, m := range ps.Containers[0].VolumeMounts {
		if m.Name == "output" && m.SubPath == spec.RunID {
			mounted = true
		}
	}
	if !mounted || !strings.HasPrefix(spec.checkpointURI(), "pvc://ml/shared/") {
		t.Errorf("checkpoint volume not mounted under the run id: %v %s", ps.Containers[0].VolumeMounts, spec.checkpointURI())
	}
	if objs.ConfigMap.Data["launch.sh"] == "" || objs.ConfigMap.Data["mltf.py"] == "" || string(objs.ConfigMap.BinaryData["code.tar.gz"]) != "tgz" {
		t.Errorf("configmap misses the launcher, the helper or the code")
	}
}

func TestRenderKueueSuspends(t *testing.T) {
	pool := gpuPool().AsValueMap()
	pool["queue"] = cty.StringVal("mltf")
	_, objs := renderFor(t, trainingVal(map[string]cty.Value{"pool": cty.ObjectVal(pool)}))
	if !*objs.Job.Spec.Suspend || objs.Job.Labels[labelKueueQueue] != "mltf" {
		t.Errorf("a queued Job must be suspended with its queue label: suspend %v labels %v", *objs.Job.Spec.Suspend, objs.Job.Labels)
	}
}

func TestRenderCPUPool(t *testing.T) {
	pool := gpuPool().AsValueMap()
	pool["gpus_per_node"] = cty.NumberIntVal(0)
	_, objs := renderFor(t, trainingVal(map[string]cty.Value{"pool": cty.ObjectVal(pool),
		"resources": cty.ObjectVal(map[string]cty.Value{"cpus": cty.NumberIntVal(16), "memory": cty.StringVal("64Gi")})}))
	c := objs.Job.Spec.Template.Spec.Containers[0]
	if _, ok := c.Resources.Limits["nvidia.com/gpu"]; ok {
		t.Errorf("a CPU pool requests no GPUs: %v", c.Resources)
	}
	cpu, mem := c.Resources.Requests[corev1.ResourceCPU], c.Resources.Requests[corev1.ResourceMemory]
	if cpu.String() != "8" || mem.String() != "32Gi" {
		t.Errorf("per-pod requests cpu %s memory %s, want 8 and 32Gi", cpu.String(), mem.String())
	}
	if env := envMap(c); env["MLTF_BACKEND"] != "gloo" || env["OMP_NUM_THREADS"] != "2" {
		t.Errorf("backend %s OMP %s", env["MLTF_BACKEND"], env["OMP_NUM_THREADS"])
	}
}

// TestRenderSecretEnv: secret_env reaches the pods through secretKeyRef;
// the Job holds the Secret's name and key, never a value. A reference the
// pods cannot read (env:, file:) is refused.
func TestRenderSecretEnv(t *testing.T) {
	_, objs := renderFor(t, trainingVal(map[string]cty.Value{
		"secret_env": cty.MapVal(map[string]cty.Value{"API_TOKEN": cty.StringVal("secret:hub-token/token")}),
	}))
	var got *corev1.EnvVar
	for _, e := range objs.Job.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "API_TOKEN" {
			got = &e
		}
	}
	want := &corev1.EnvVar{Name: "API_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "hub-token"}, Key: "token"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("API_TOKEN (-want +got):\n%s", d)
	}
	_, diags := decodeTraining(trainingVal(map[string]cty.Value{
		"secret_env": cty.MapVal(map[string]cty.Value{"API_TOKEN": cty.StringVal("env:TOKEN")}),
	}))
	if !diags.HasErrors() || diags[0].Summary != "Secret not readable by the pods" {
		t.Errorf("env: on Kubernetes: %v", diags)
	}
}

// TestRenderSensitiveEnv: env values derived from sensitive variables and
// params holding one go into the run's Secret; the Job refers to them.
func TestRenderSensitiveEnv(t *testing.T) {
	spec, _ := renderFor(t, trainingVal(map[string]cty.Value{
		"env":    cty.MapVal(map[string]cty.Value{"FOO": cty.StringVal("bar"), "API_TOKEN": cty.StringVal("SUPERSECRET123")}),
		"params": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal("SUPERSECRET123")}),
	}))
	sensitive := []cty.Path{
		cty.GetAttrPath("env").Index(cty.StringVal("API_TOKEN")),
		cty.GetAttrPath("params").GetAttr("key"),
	}
	if err := spec.setSecrets(sensitive); err != nil {
		t.Fatal(err)
	}
	objs := spec.render()
	job, err := json.Marshal(objs.Job)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(job), "SUPERSECRET123") {
		t.Errorf("the Job holds the secret:\n%s", job)
	}
	if objs.Secret == nil || objs.Secret.StringData["API_TOKEN"] != "SUPERSECRET123" || !strings.Contains(objs.Secret.StringData["MLTF_PARAMS"], "SUPERSECRET123") {
		t.Fatalf("the run's Secret: %+v", objs.Secret)
	}
	refs := map[string]string{}
	for _, e := range objs.Job.Spec.Template.Spec.Containers[0].Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			refs[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		}
	}
	want := map[string]string{"API_TOKEN": spec.base() + "/API_TOKEN", "MLTF_PARAMS": spec.base() + "/MLTF_PARAMS"}
	if d := cmp.Diff(want, refs); d != "" {
		t.Errorf("secret references (-want +got):\n%s", d)
	}
	if env := envMap(objs.Job.Spec.Template.Spec.Containers[0]); env["FOO"] != "bar" {
		t.Errorf("plain env lost: %v", env)
	}
	if tracked, _ := spec.Config.TrackedParams(training.SecretsOf(sensitive)); string(tracked) != `{"key":"(sensitive value)"}` {
		t.Errorf("tracked params %s", tracked)
	}
}
