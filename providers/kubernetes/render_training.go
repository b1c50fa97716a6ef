package kubernetes

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/sdk/python"
)

//go:embed launch.sh
var launchScript string

// Paths inside a training pod.
const (
	launchDir     = "/mltf/launch"
	sdkDir        = "/mltf/sdk"
	checkpointDir = "/mltf/checkpoints"
	outputDir     = "/mltf/output"
)

// runSpec is everything that renders one run's objects.
type runSpec struct {
	Address, Workspace, RunID string
	Fingerprint               string
	Attempt                   int
	Config                    *trainingConfig
	Inputs                    *training.Inputs
	Data                      map[string]training.DataRef
	Code                      []byte // code.tar.gz; nil with code_in_image
	ArtifactsURL              string // the mltf { artifacts } URL
	// Restarts so far by cause, recorded on the Job for a re-attaching
	// apply.
	Restarts map[string]int
	// Secrets are the variables whose values are sensitive (env values
	// derived from sensitive variables, MLTF_PARAMS holding one): they go
	// into the run's Secret, and the Job refers to them by key.
	Secrets map[string]string
}

// runObjects are the objects of one attempt of a run.
type runObjects struct {
	ConfigMap *corev1.ConfigMap
	Secret    *corev1.Secret // nil without sensitive values
	Service   *corev1.Service
	Job       *batchv1.Job
}

func (s *runSpec) base() string    { return runBaseName(s.Address, s.RunID) }
func (s *runSpec) jobName() string { return fmt.Sprintf("%s-%d", s.base(), s.Attempt) }

// masterAddr is the stable DNS name of pod 0 of the attempt's Job: its
// hostname under the run's headless Service.
func (s *runSpec) masterAddr() string { return s.jobName() + "-0." + s.base() }

func (s *runSpec) labels() map[string]string {
	return runLabels(s.Address, s.Workspace, s.RunID, s.Fingerprint)
}

func (s *runSpec) annotations() map[string]string {
	return map[string]string{annotAddress: s.Address, annotFingerprint: s.Fingerprint}
}

// checkpointURI is where the run's checkpoints are, for the training's
// checkpoint_uri output.
func (s *runSpec) checkpointURI() string {
	o := s.Config.Options
	switch {
	case o.CheckpointURI != "":
		return strings.TrimRight(o.CheckpointURI, "/") + "/" + s.RunID
	case o.CheckpointVolume != "":
		return fmt.Sprintf("pvc://%s/%s/%s/checkpoints", s.Config.Namespace(), o.CheckpointVolume, s.RunID)
	}
	return ""
}

// artifactURI is where the run's artifacts go.
func (s *runSpec) artifactURI() string {
	if u := s.ArtifactsURL; u != "" && !strings.HasPrefix(u, "file://") {
		return strings.TrimRight(u, "/") + "/runs/" + s.RunID + "/"
	}
	if v := s.Config.Options.CheckpointVolume; v != "" {
		return fmt.Sprintf("pvc://%s/%s/%s/artifacts", s.Config.Namespace(), v, s.RunID)
	}
	return ""
}

func (s *runSpec) render() runObjects {
	return runObjects{ConfigMap: s.configMap(), Secret: s.secret(), Service: s.service(), Job: s.job()}
}

func (s *runSpec) meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: s.Config.Namespace(), Labels: s.labels(), Annotations: s.annotations()}
}

func (s *runSpec) configMap() *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: s.meta(s.base()),
		Data:       map[string]string{"launch.sh": launchScript, "mltf.py": string(python.Module)},
	}
	if s.Code != nil {
		cm.BinaryData = map[string][]byte{"code.tar.gz": s.Code}
	}
	return cm
}

// secret holds the run's sensitive variables, so that neither the Job
// nor its pods' specs show them. It is named like the ConfigMap, which
// owns it once created (see ownedBy), so it goes with the run.
func (s *runSpec) secret() *corev1.Secret {
	if len(s.Secrets) == 0 {
		return nil
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: s.meta(s.base()),
		Type:       corev1.SecretTypeOpaque,
		StringData: s.Secrets,
	}
}

func (s *runSpec) service() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: s.meta(s.base()),
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			Selector:                 map[string]string{labelManagedBy: managedBy, labelRunID: s.RunID},
			PublishNotReadyAddresses: true, // rank 0 resolves before it is ready
			Ports: []corev1.ServicePort{{
				Name: "rendezvous", Port: int32(s.Config.MasterPort), TargetPort: intstr.FromInt32(int32(s.Config.MasterPort)),
			}},
		},
	}
}

func (s *runSpec) job() *batchv1.Job {
	c := s.Config
	n := int32(c.Nodes)
	zero := int32(0)
	podLabels := s.labels()
	for k, v := range c.Options.Labels {
		podLabels[k] = v
	}
	podLabels[labelAttempt] = strconv.Itoa(s.Attempt)
	podAnnotations := s.annotations()
	for k, v := range c.Options.Annotations {
		podAnnotations[k] = v
	}
	jobLabels := s.labels()
	jobLabels[labelAttempt] = strconv.Itoa(s.Attempt)
	suspend := false
	if c.Pool.Queue != "" {
		// Kueue admits the Job as a whole (gang) and unsuspends it.
		jobLabels[labelKueueQueue] = c.Pool.Queue
		suspend = true
	}
	mode := batchv1.IndexedCompletion
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: s.meta(s.jobName()),
		Spec: batchv1.JobSpec{
			CompletionMode: &mode,
			Completions:    &n,
			Parallelism:    &n,
			// mltf restarts the whole gang itself: one failed pod fails the Job.
			BackoffLimit: &zero,
			Suspend:      &suspend,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: podAnnotations},
				Spec:       s.podSpec(),
			},
		},
	}
	job.Labels = jobLabels
	for cause, n := range s.Restarts {
		job.Annotations["mltf.dev/restarts-"+cause] = strconv.Itoa(n)
	}
	return job
}

func (s *runSpec) podSpec() corev1.PodSpec {
	c := s.Config
	sa := c.Options.ServiceAccount
	if sa == "" {
		sa = c.Pool.ServiceAccount
	}
	selector := map[string]string{}
	for k, v := range c.Pool.NodeSelector {
		selector[k] = v
	}
	if c.Pool.NodePool != "" {
		selector[labelNodePool] = c.Pool.NodePool
	}
	for k, v := range c.Options.NodeSelector {
		selector[k] = v
	}
	if len(selector) == 0 {
		selector = nil
	}
	tolerations := gpuTolerations(tolerationsOf(c.Pool.Tolerations), c.Pool.GPUResource, c.GPUsPerPod())
	tolerations = append(tolerations, tolerationsOf(c.Options.Tolerations)...)
	shm := resource.MustParse(c.Options.ShmSize)
	mode := int32(0o755)
	volumes := []corev1.Volume{
		{Name: "launch", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: s.base()}, DefaultMode: &mode,
			Items: s.launchItems(),
		}}},
		{Name: "sdk", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: s.base()},
			Items:                []corev1.KeyToPath{{Key: "mltf.py", Path: "mltf.py"}},
		}}},
		{Name: "dshm", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &shm}}},
	}
	mounts := []corev1.VolumeMount{
		{Name: "launch", MountPath: launchDir, ReadOnly: true},
		{Name: "sdk", MountPath: sdkDir, ReadOnly: true},
		{Name: "dshm", MountPath: "/dev/shm"},
	}
	if !c.Options.CodeInImage {
		volumes = append(volumes, corev1.Volume{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		mounts = append(mounts, corev1.VolumeMount{Name: "work", MountPath: c.Options.WorkingDir})
	}
	if v := c.Options.CheckpointVolume; v != "" {
		volumes = append(volumes, corev1.Volume{Name: "output", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: v}}})
		mounts = append(mounts, corev1.VolumeMount{Name: "output", MountPath: outputDir, SubPath: s.RunID})
	} else {
		volumes = append(volumes, corev1.Volume{Name: "output", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		mounts = append(mounts, corev1.VolumeMount{Name: "output", MountPath: outputDir})
	}
	if len(stagedInputs(c)) > 0 {
		volumes = append(volumes, corev1.Volume{Name: "inputs", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		mounts = append(mounts, corev1.VolumeMount{Name: "inputs", MountPath: inputsDir})
	}
	var pullSecrets []corev1.LocalObjectReference
	for _, p := range c.Options.ImagePullSecrets {
		pullSecrets = append(pullSecrets, corev1.LocalObjectReference{Name: p})
	}
	priority := ""
	if c.Options.Priority != "" {
		priority = c.Pool.PriorityClasses[c.Options.Priority]
	}
	grace := int64(30)
	spec := corev1.PodSpec{
		RestartPolicy:                 corev1.RestartPolicyNever,
		Subdomain:                     s.base(),
		ServiceAccountName:            sa,
		PriorityClassName:             priority,
		NodeSelector:                  selector,
		Tolerations:                   tolerations,
		HostNetwork:                   c.Options.HostNetwork,
		ImagePullSecrets:              pullSecrets,
		TerminationGracePeriodSeconds: &grace,
		Volumes:                       volumes,
		Containers: []corev1.Container{{
			Name:            "training",
			Image:           c.Image,
			ImagePullPolicy: corev1.PullPolicy(c.Options.ImagePullPolicy),
			Command:         append([]string{"/bin/sh", launchDir + "/launch.sh"}, c.Command...),
			WorkingDir:      c.Options.WorkingDir,
			Env:             s.env(),
			Resources:       s.resources(),
			VolumeMounts:    mounts,
			Ports:           []corev1.ContainerPort{{Name: "rendezvous", ContainerPort: int32(c.MasterPort)}},
		}},
	}
	if c.Options.HostNetwork {
		spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	}
	return spec
}

func (s *runSpec) launchItems() []corev1.KeyToPath {
	items := []corev1.KeyToPath{{Key: "launch.sh", Path: "launch.sh"}}
	if s.Code != nil {
		items = append(items, corev1.KeyToPath{Key: "code.tar.gz", Path: "code.tar.gz"})
	}
	return items
}

func (s *runSpec) resources() corev1.ResourceRequirements {
	c := s.Config
	var memory *resource.Quantity
	if c.Memory != "" {
		total := resource.MustParse(c.Memory)
		memory = resource.NewQuantity(total.Value()/int64(c.Nodes), resource.BinarySI)
	}
	return containerResources(c.Pool.GPUResource, c.GPUsPerPod(), int64(c.CPUs)*1000/int64(c.Nodes), memory)
}

// containerResources are a container's requests and limits: gpus of the
// pool's GPU resource and memory with limit = request (a GPU cannot be
// overcommitted; memory over its request gets a pod evicted), CPUs as a
// request only (a limit would throttle); zero or nil: none.
func containerResources(gpuResource string, gpus int, milliCPUs int64, memory *resource.Quantity) corev1.ResourceRequirements {
	req := corev1.ResourceList{}
	lim := corev1.ResourceList{}
	if gpus > 0 {
		q := *resource.NewQuantity(int64(gpus), resource.DecimalSI)
		req[corev1.ResourceName(gpuResource)] = q
		lim[corev1.ResourceName(gpuResource)] = q
	}
	if milliCPUs > 0 {
		req[corev1.ResourceCPU] = *resource.NewMilliQuantity(milliCPUs, resource.DecimalSI)
	}
	if memory != nil {
		req[corev1.ResourceMemory] = *memory
		lim[corev1.ResourceMemory] = *memory
	}
	out := corev1.ResourceRequirements{}
	if len(req) > 0 {
		out.Requests = req
	}
	if len(lim) > 0 {
		out.Limits = lim
	}
	return out
}

// gpuTolerations adds to tolerations the taint GPU nodes commonly carry,
// their resource's name, when the pod asks for GPUs.
func gpuTolerations(tolerations []corev1.Toleration, gpuResource string, gpus int) []corev1.Toleration {
	if gpus > 0 && !tolerates(tolerations, gpuResource) {
		tolerations = append(tolerations, corev1.Toleration{Key: gpuResource, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	return tolerations
}

// env is the training contract as the pod's environment: everything but
// what depends on the rank inside the pod (RANK, LOCAL_RANK, NODE_RANK,
// set by the launcher from the completion index).
func (s *runSpec) env() []corev1.EnvVar {
	c := s.Config
	itoa := strconv.Itoa
	set := map[string]string{}
	for k, v := range c.Env {
		set[k] = v
	}
	for k, v := range c.NCCL {
		set[k] = v
	}
	// A step's inputs that are files of this machine: mltf copies them
	// into the pod (stepfiles.go), and the launcher waits for them.
	if staged := stagedInputs(c); len(staged) > 0 {
		for _, in := range staged {
			set[in.Env] = in.InPod
		}
		set[stagedEnv] = inputsDir
	}
	if len(stagedInputs(c)) > 0 || len(stepOutputs(c)) > 0 {
		set["MLTF_COPY_WAIT"] = seconds(copyWait)
	}
	world := c.WorldSize()
	contract := map[string]string{
		"WORLD_SIZE":                      itoa(world),
		"LOCAL_WORLD_SIZE":                itoa(c.ProcsPerNode),
		"GROUP_WORLD_SIZE":                itoa(c.Nodes),
		"ROLE_WORLD_SIZE":                 itoa(world),
		"ROLE_NAME":                       "default",
		"MASTER_ADDR":                     s.masterAddr(),
		"MASTER_PORT":                     itoa(c.MasterPort),
		"TORCHELASTIC_RESTART_COUNT":      itoa(s.Attempt - 1),
		"TORCHELASTIC_MAX_RESTARTS":       itoa(c.RetryInfra + c.RetryUser),
		"TORCHELASTIC_RUN_ID":             s.RunID,
		"TORCHELASTIC_USE_AGENT_STORE":    "False",
		"TORCH_NCCL_ASYNC_ERROR_HANDLING": "1",
		"NCCL_ASYNC_ERROR_HANDLING":       "1",
		"PYTHONUNBUFFERED":                "1",
		"MLTF_RUN_ID":                     s.RunID,
		"MLTF_BACKEND":                    c.ResolvedBackend(),
		"MLTF_PARAMS":                     string(s.Inputs.Params),
		"MLTF_CHECKPOINT_DIR":             outputDir + "/checkpoints",
		"MLTF_CHECKPOINT_EVERY":           seconds(c.CheckpointEvery),
		"MLTF_CHECKPOINT_KEEP":            itoa(c.Keep),
		"MLTF_ARTIFACT_DIR":               artifactDir,
		"MLTF_OUTPUT_DIR":                 artifactDir, // a pipeline step's outputs are its artifacts
		"MLTF_DIST_TIMEOUT":               seconds(c.DistTimeout),
		"MLTF_ATTEMPT":                    itoa(s.Attempt),
		"MLTF_RUN_DIR":                    outputDir,
		"MLTF_WORK_DIR":                   c.Options.WorkingDir,
	}
	if g := c.GPUsPerPod(); g > 0 {
		contract["MLTF_GPUS_PER_POD"] = itoa(g)
	}
	if u := s.checkpointURI(); c.Options.CheckpointURI != "" {
		contract["MLTF_CHECKPOINT_URI"] = u
	}
	if u := s.artifactURI(); u != "" && !strings.HasPrefix(u, "pvc://") {
		contract["MLTF_ARTIFACT_URI"] = u
	}
	if _, ok := set["OMP_NUM_THREADS"]; !ok {
		switch {
		case c.CPUs > 0:
			contract["OMP_NUM_THREADS"] = itoa(max(1, c.CPUs/c.Nodes/c.ProcsPerNode))
		case c.ProcsPerNode > 1:
			contract["OMP_NUM_THREADS"] = "1"
		}
	}
	if p := set["PYTHONPATH"]; p != "" {
		contract["PYTHONPATH"] = sdkDir + ":" + p
	} else {
		contract["PYTHONPATH"] = sdkDir
	}
	for name, r := range s.Data {
		contract[training.DataEnvName(name)] = r.Location
	}
	delete(set, "MLTF_RESUME_FROM") // the launcher finds it on the volume
	for k, v := range contract {
		set[k] = v
	}
	out := make([]corev1.EnvVar, 0, len(set)+len(c.SecretEnv)+2)
	for _, k := range training.SortedKeys(set) {
		if _, ok := s.Secrets[k]; ok {
			out = append(out, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: s.base()}, Key: k}}})
			continue
		}
		out = append(out, corev1.EnvVar{Name: k, Value: set[k]})
	}
	// secret_env: the pods read the values from Secrets; neither the Job
	// nor the state ever holds them.
	for _, k := range training.SortedKeys(c.SecretEnv) {
		if r, err := training.ParseSecretRef(c.SecretEnv[k]); err == nil && r.Scheme == "secret" {
			out = append(out, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: r.Name}, Key: r.Key}}})
		}
	}
	// Where the pod runs, for logs and for NCCL's choice of interface.
	out = append(out,
		corev1.EnvVar{Name: "MLTF_POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		corev1.EnvVar{Name: "MLTF_NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
	)
	return out
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

func tolerationsOf(ts []map[string]string) []corev1.Toleration {
	var out []corev1.Toleration
	for _, t := range ts {
		tol := corev1.Toleration{Key: t["key"], Operator: corev1.TolerationOperator(t["operator"]), Value: t["value"], Effect: corev1.TaintEffect(t["effect"])}
		if s, err := strconv.ParseInt(t["toleration_seconds"], 10, 64); err == nil {
			tol.TolerationSeconds = &s
		}
		out = append(out, tol)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func tolerates(ts []corev1.Toleration, key string) bool {
	for _, t := range ts {
		if t.Key == key || t.Key == "" && t.Operator == corev1.TolerationOpExists {
			return true
		}
	}
	return false
}
