package kubernetes

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/mltf/mltf/providers"
)

// trainingConfig is a training's configuration decoded into Go values,
// with defaults applied. Unknown lists the inputs still unknown at plan
// time, which leave the fingerprint unknown.
type trainingConfig struct {
	Code    string
	Command []string
	Env     map[string]string
	Image   string
	Params  cty.Value // an object, or null
	Data    map[string]dataRef

	Nodes, ProcsPerNode int
	Backend             string // as configured: auto, nccl, gloo
	MasterPort          int
	DistTimeout         time.Duration
	NCCL                map[string]string

	CheckpointEvery time.Duration
	Keep            int
	RetryInfra      int
	RetryUser       int
	HangTimeout     time.Duration

	CPUs, GPUs int
	Memory     string

	Pool       poolRef
	Experiment experimentRef
	Options    podOptions

	Unknown []string
}

// poolRef is what a training reads of its pool's value.
type poolRef struct {
	Name, ClusterID, Provider, Namespace string
	GPUsPerNode                          int
	GPUResource                          string
	NodeSelector                         map[string]string
	Tolerations                          []map[string]string
	Queue, NodePool, ServiceAccount      string
	PriorityClasses                      map[string]string
	Known                                bool
}

type experimentRef struct{ ID, Name string }

// podOptions are the options {} block.
type podOptions struct {
	Namespace, ServiceAccount, Priority string
	Labels, Annotations, NodeSelector   map[string]string
	Tolerations                         []map[string]string
	HostNetwork                         bool
	ShmSize                             string
	CheckpointVolume, CheckpointURI     string
	CodeInImage                         bool
	WorkingDir                          string
	ImagePullSecrets                    []string
	ImagePullPolicy                     string
}

const (
	defaultMasterPort = 29500
	defaultWorkingDir = "/mltf/work"
)

// WorldSize is the number of ranks.
func (c *trainingConfig) WorldSize() int { return c.Nodes * c.ProcsPerNode }

// ResolvedBackend turns "auto" into nccl on GPU pools, else gloo.
func (c *trainingConfig) ResolvedBackend() string {
	if c.Backend == "auto" {
		if c.Pool.GPUsPerNode > 0 {
			return "nccl"
		}
		return "gloo"
	}
	return c.Backend
}

// GPUsPerPod is how many GPUs each pod requests.
func (c *trainingConfig) GPUsPerPod() int {
	if c.GPUs > 0 {
		return (c.GPUs + c.Nodes - 1) / c.Nodes
	}
	if c.Pool.GPUsPerNode > 0 {
		return c.ProcsPerNode
	}
	return 0
}

// Namespace is where the run's objects live.
func (c *trainingConfig) Namespace() string {
	if c.Options.Namespace != "" {
		return c.Options.Namespace
	}
	return c.Pool.Namespace
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// decodeTraining reads a training's configuration value. Every mistake is
// a diagnostic pointing at its attribute.
func decodeTraining(v cty.Value) (*trainingConfig, providers.Diagnostics) {
	c := &trainingConfig{
		Nodes: 1, ProcsPerNode: 1, Backend: "auto", MasterPort: defaultMasterPort, DistTimeout: 10 * time.Minute,
		CheckpointEvery: 5 * time.Minute, Keep: 3, RetryInfra: 3, HangTimeout: 30 * time.Minute,
	}
	d := &decoder{v: v}
	c.Code = d.str(attr("code"), "")
	c.Command = d.strList(attr("command"))
	if len(c.Command) == 0 && d.get(attr("command")).IsWhollyKnown() {
		d.errorf(attr("command"), "Empty command", `command must name a program, e.g. ["python3", "train.py"].`)
	}
	c.Env = d.strMap(attr("env"))
	for k := range c.Env {
		if !envNameRE.MatchString(k) {
			d.errorf(attr("env").Index(cty.StringVal(k)), "Invalid environment variable name",
				"%q is not a valid variable name: use letters, digits and underscores, not starting with a digit.", k)
		}
	}
	c.Image = d.str(attr("image"), "")
	if c.Image == "" && d.get(attr("image")).IsKnown() {
		d.errorf(attr("image"), "Missing image", `a training on Kubernetes needs a container image with its runtime, e.g. image = "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime".`)
	}
	c.Params = d.get(attr("params"))
	if !c.Params.IsWhollyKnown() {
		d.unknown = append(d.unknown, "params")
	} else if !c.Params.IsNull() && !c.Params.Type().IsObjectType() && !c.Params.Type().IsMapType() {
		d.errorf(attr("params"), "Invalid params", "params must be an object, e.g. { lr = 0.05, epochs = 20 }.")
	}
	c.HangTimeout = d.duration(attr("hang_timeout"), c.HangTimeout)

	dist := attr("distributed")
	c.Nodes = d.count(dist.GetAttr("nodes"), c.Nodes, 1)
	c.ProcsPerNode = d.count(dist.GetAttr("procs_per_node"), c.ProcsPerNode, 1)
	c.Backend = d.str(dist.GetAttr("backend"), c.Backend)
	if c.Backend != "auto" && c.Backend != "nccl" && c.Backend != "gloo" {
		d.errorf(dist.GetAttr("backend"), "Invalid backend", `backend is %q; use "auto", "nccl" or "gloo".`, c.Backend)
	}
	c.MasterPort = d.count(dist.GetAttr("master_port"), c.MasterPort, 1)
	if c.MasterPort > 65535 {
		d.errorf(dist.GetAttr("master_port"), "Invalid master_port", "master_port %d is not a TCP port (1-65535).", c.MasterPort)
	}
	c.DistTimeout = d.duration(dist.GetAttr("timeout"), c.DistTimeout)
	c.NCCL = d.strMap(dist.GetAttr("nccl"))
	for k := range c.NCCL {
		if !strings.HasPrefix(k, "NCCL_") {
			d.errorf(dist.GetAttr("nccl").Index(cty.StringVal(k)), "Not an NCCL setting", "%q does not start with NCCL_; put other variables in env.", k)
		}
	}
	ck := attr("checkpoint")
	c.CheckpointEvery = d.duration(ck.GetAttr("every"), c.CheckpointEvery)
	c.Keep = d.count(ck.GetAttr("keep"), c.Keep, 1)
	rt := attr("retry")
	c.RetryInfra = d.count(rt.GetAttr("infrastructure"), c.RetryInfra, 0)
	c.RetryUser = d.count(rt.GetAttr("user_error"), c.RetryUser, 0)
	res := attr("resources")
	c.CPUs = d.count(res.GetAttr("cpus"), 0, 1)
	c.GPUs = d.count(res.GetAttr("gpus"), 0, 0)
	c.Memory = d.str(res.GetAttr("memory"), "")
	if c.Memory != "" {
		if _, err := resource.ParseQuantity(c.Memory); err != nil {
			d.errorf(res.GetAttr("memory"), "Invalid memory", `memory is %q; write a size like "64Gi" or "512Mi".`, c.Memory)
		}
	}
	c.Options = decodeOptions(d)
	c.Pool = decodePoolRef(d)
	c.Experiment = decodeExperiment(d)
	c.Data = decodeData(d)

	if c.Pool.Known {
		if c.Pool.Provider != "" && c.Pool.Provider != providerName {
			d.errorf(attr("pool"), "Pool of another provider", "the pool belongs to a %q cluster; the kubernetes provider runs trainings on pools of kubernetes clusters.", c.Pool.Provider)
		}
		if c.Backend == "nccl" && c.Pool.GPUsPerNode == 0 && c.GPUs == 0 {
			d.errorf(dist.GetAttr("backend"), "nccl needs GPUs", `backend "nccl" needs GPUs, and pool %q has gpus_per_node = 0; use "gloo" or "auto".`, c.Pool.Name)
		}
		if g := c.Pool.GPUsPerNode; g > 0 && c.GPUsPerPod() > g {
			d.errorf(dist, "Pods do not fit the pool's nodes",
				"each pod needs %d GPUs (one per rank of procs_per_node = %d) and nodes of pool %q have %d; lower procs_per_node or raise nodes.",
				c.GPUsPerPod(), c.ProcsPerNode, c.Pool.Name, g)
		}
		if p := c.Options.Priority; p != "" {
			if _, ok := c.Pool.PriorityClasses[p]; !ok {
				d.errorf(attr("options", "priority"), "Unknown priority", "the cluster has no priority %q; it has %s.", p, keysOrNone(c.Pool.PriorityClasses))
			}
		}
	}
	sort.Strings(d.unknown)
	c.Unknown = d.unknown
	return c, d.diags
}

func decodeOptions(d *decoder) podOptions {
	o := attr("options")
	opt := podOptions{
		Namespace:        d.str(o.GetAttr("namespace"), ""),
		ServiceAccount:   d.str(o.GetAttr("service_account"), ""),
		Priority:         d.str(o.GetAttr("priority"), ""),
		Labels:           d.strMap(o.GetAttr("labels")),
		Annotations:      d.strMap(o.GetAttr("annotations")),
		NodeSelector:     d.strMap(o.GetAttr("node_selector")),
		Tolerations:      d.mapList(o.GetAttr("tolerations")),
		HostNetwork:      d.boolean(o.GetAttr("host_network"), false),
		ShmSize:          d.str(o.GetAttr("shm_size"), "1Gi"),
		CheckpointVolume: d.str(o.GetAttr("checkpoint_volume"), ""),
		CheckpointURI:    d.str(o.GetAttr("checkpoint_uri"), ""),
		CodeInImage:      d.boolean(o.GetAttr("code_in_image"), false),
		WorkingDir:       d.str(o.GetAttr("working_dir"), defaultWorkingDir),
		ImagePullSecrets: d.strList(o.GetAttr("image_pull_secrets")),
		ImagePullPolicy:  d.str(o.GetAttr("image_pull_policy"), "IfNotPresent"),
	}
	if opt.Namespace != "" {
		if errs := validation.IsDNS1123Label(opt.Namespace); len(errs) > 0 {
			d.errorf(o.GetAttr("namespace"), "Invalid namespace", "%q is not a namespace name: %s.", opt.Namespace, errs[0])
		}
	}
	if _, err := resource.ParseQuantity(opt.ShmSize); err != nil {
		d.errorf(o.GetAttr("shm_size"), "Invalid shm_size", `shm_size is %q; write a size like "1Gi".`, opt.ShmSize)
	}
	if opt.CheckpointVolume != "" {
		if errs := validation.IsDNS1123Subdomain(opt.CheckpointVolume); len(errs) > 0 {
			d.errorf(o.GetAttr("checkpoint_volume"), "Invalid checkpoint_volume", "%q is not a PersistentVolumeClaim name: %s.", opt.CheckpointVolume, errs[0])
		}
	}
	if opt.CheckpointURI != "" && !strings.Contains(opt.CheckpointURI, "://") {
		d.errorf(o.GetAttr("checkpoint_uri"), "Invalid checkpoint_uri", `checkpoint_uri is %q; write a URI like "s3://bucket/checkpoints".`, opt.CheckpointURI)
	}
	if !strings.HasPrefix(opt.WorkingDir, "/") {
		d.errorf(o.GetAttr("working_dir"), "Invalid working_dir", "working_dir %q must be an absolute path in the image.", opt.WorkingDir)
	}
	switch opt.ImagePullPolicy {
	case "IfNotPresent", "Always", "Never":
	default:
		d.errorf(o.GetAttr("image_pull_policy"), "Invalid image_pull_policy", `image_pull_policy is %q; use "IfNotPresent", "Always" or "Never".`, opt.ImagePullPolicy)
	}
	for k, v := range opt.Labels {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			d.errorf(o.GetAttr("labels").Index(cty.StringVal(k)), "Invalid label", "%q is not a label key: %s.", k, errs[0])
		} else if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			d.errorf(o.GetAttr("labels").Index(cty.StringVal(k)), "Invalid label", "%q is not a label value: %s.", v, errs[0])
		}
	}
	checkTolerations(d, o.GetAttr("tolerations"), opt.Tolerations)
	return opt
}

func decodePoolRef(d *decoder) poolRef {
	p := attr("pool")
	v := d.get(p)
	if v.IsNull() {
		return poolRef{}
	}
	if !v.IsKnown() {
		d.unknown = append(d.unknown, "pool")
		return poolRef{}
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		d.errorf(p, "Invalid pool", "pool must be a cluster's pool, e.g. cluster.gpu.pool.a100.")
		return poolRef{}
	}
	pd := &decoder{v: v}
	ref := poolRef{
		Name:            pd.str(attr("name"), ""),
		ClusterID:       pd.str(attr("cluster_id"), ""),
		Provider:        pd.str(attr("provider"), ""),
		Namespace:       pd.str(attr("namespace"), ""),
		GPUsPerNode:     numInt(getPath(v, attr("gpus_per_node"))),
		GPUResource:     pd.str(attr("gpu_resource"), defaultGPUResource),
		NodeSelector:    pd.strMap(attr("node_selector")),
		Tolerations:     pd.mapList(attr("tolerations")),
		Queue:           pd.str(attr("queue"), ""),
		NodePool:        pd.str(attr("node_pool"), ""),
		ServiceAccount:  pd.str(attr("service_account"), ""),
		PriorityClasses: pd.strMap(attr("priority_classes")),
	}
	// The pool's computed parts may be unknown while its cluster is being
	// created; what the pods need must be known to fingerprint and render.
	for _, u := range pd.unknown {
		if u == "namespace" || u == "node_selector" || u == "tolerations" || u == "queue" || u == "node_pool" || u == "priority_classes" {
			d.unknown = append(d.unknown, "pool."+u)
		}
	}
	ref.Known = ref.Namespace != "" && len(pd.unknown) == 0
	if ref.Provider == "" && ref.Namespace == "" && len(pd.unknown) == 0 {
		d.errorf(p, "Invalid pool", "pool must be a pool of a kubernetes cluster, e.g. cluster.gpu.pool.a100.")
	}
	return ref
}

func decodeExperiment(d *decoder) experimentRef {
	v := d.get(attr("experiment"))
	var e experimentRef
	if id := getPath(v, attr("id")); id.IsKnown() && !id.IsNull() && id.Type() == cty.String {
		e.ID = id.AsString()
	}
	if n := getPath(v, attr("name")); n.IsKnown() && !n.IsNull() && n.Type() == cty.String {
		e.Name = n.AsString()
	}
	return e
}

func keysOrNone(m map[string]string) string {
	if len(m) == 0 {
		return "none (declare them in the cluster's priority)"
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, fmt.Sprintf("%q", k))
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}
