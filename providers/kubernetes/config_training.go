package kubernetes

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
)

// trainingConfig is a training's configuration: the kind's attributes
// (training.Config), what this provider reads of the pool, and its
// options {} block.
type trainingConfig struct {
	training.Config
	Pool    poolRef
	Options podOptions
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

// ResolvedBackend turns "auto" into nccl on GPU pools, else gloo.
func (c *trainingConfig) ResolvedBackend() string { return c.BackendFor(c.Pool.GPUsPerNode > 0) }

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

// rules are this provider's defaults of the kind: rendezvous on port
// 29500 of pod 0, and a dataset's source before its path (pods cannot read
// this machine's files).
var rules = training.Rules{MasterPort: defaultMasterPort, Locations: []string{"source", "uri", "url", "path"}}

// decodeTraining reads a training's configuration value. Every mistake is
// a diagnostic pointing at its attribute.
func decodeTraining(v cty.Value) (*trainingConfig, providers.Diagnostics) {
	d := &ctyval.Decoder{V: v}
	c := &trainingConfig{Config: *training.Decode(d, rules)}
	if c.Image == "" && d.Get(ctyval.Attr("image")).IsKnown() {
		d.Errorf(ctyval.Attr("image"), "Missing image", `a training on Kubernetes needs a container image with its runtime, e.g. image = "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime".`)
	}
	dist, res := ctyval.Attr("distributed"), ctyval.Attr("resources")
	if c.Memory != "" {
		if _, err := resource.ParseQuantity(c.Memory); err != nil {
			d.Errorf(res.GetAttr("memory"), "Invalid memory", `memory is %q; write a size like "64Gi" or "512Mi".`, c.Memory)
		}
	}
	for _, name := range training.SortedKeys(c.SecretEnv) {
		ref := c.SecretEnv[name]
		if r, err := training.ParseSecretRef(ref); err == nil && r.Scheme != "secret" {
			d.Errorf(ctyval.Attr("secret_env").Index(cty.StringVal(name)), "Secret not readable by the pods",
				`%q is read on the machine running mltf apply, which the pods cannot see; on Kubernetes put the value in a Secret and write "secret:NAME/KEY".`, ref)
		}
	}
	c.Options = decodeOptions(d)
	c.Pool = decodePoolRef(d)

	if c.Pool.Known {
		if c.Pool.Provider != "" && c.Pool.Provider != providerName {
			d.Errorf(ctyval.Attr("pool"), "Pool of another provider", "the pool belongs to a %q cluster; the kubernetes provider runs trainings on pools of kubernetes clusters.", c.Pool.Provider)
		}
		if c.Backend == "nccl" && c.Pool.GPUsPerNode == 0 && c.GPUs == 0 {
			d.Errorf(dist.GetAttr("backend"), "nccl needs GPUs", `backend "nccl" needs GPUs, and pool %q has gpus_per_node = 0; use "gloo" or "auto".`, c.Pool.Name)
		}
		if g := c.Pool.GPUsPerNode; g > 0 && c.GPUsPerPod() > g {
			d.Errorf(dist, "Pods do not fit the pool's nodes",
				"each pod needs %d GPUs (one per rank of procs_per_node = %d) and nodes of pool %q have %d; lower procs_per_node or raise nodes.",
				c.GPUsPerPod(), c.ProcsPerNode, c.Pool.Name, g)
		}
		if p := c.Options.Priority; p != "" {
			if _, ok := c.Pool.PriorityClasses[p]; !ok {
				d.Errorf(ctyval.Attr("options", "priority"), "Unknown priority", "the cluster has no priority %q; it has %s.", p, keysOrNone(c.Pool.PriorityClasses))
			}
		}
	}
	c.Finish(d)
	return c, d.Diags
}

// plannedInputs are c's inputs (training.PlanInputs), its data
// locations as written: the pods read them, not this machine.
func plannedInputs(c *trainingConfig, workDir string) (*training.Inputs, training.Manifest, map[string]training.DataRef, error) {
	p, err := training.PlanInputs(&c.Config, c.ResolvedBackend(), workDir, false)
	return p.Inputs, p.Code, p.Data, err
}

func decodeOptions(d *ctyval.Decoder) podOptions {
	o := ctyval.Attr("options")
	opt := podOptions{
		Namespace:        d.Str(o.GetAttr("namespace"), ""),
		ServiceAccount:   d.Str(o.GetAttr("service_account"), ""),
		Priority:         d.Str(o.GetAttr("priority"), ""),
		Labels:           d.StrMap(o.GetAttr("labels")),
		Annotations:      d.StrMap(o.GetAttr("annotations")),
		NodeSelector:     d.StrMap(o.GetAttr("node_selector")),
		Tolerations:      d.MapList(o.GetAttr("tolerations")),
		HostNetwork:      d.Bool(o.GetAttr("host_network"), false),
		ShmSize:          d.Str(o.GetAttr("shm_size"), "1Gi"),
		CheckpointVolume: d.Str(o.GetAttr("checkpoint_volume"), ""),
		CheckpointURI:    d.Str(o.GetAttr("checkpoint_uri"), ""),
		CodeInImage:      d.Bool(o.GetAttr("code_in_image"), false),
		WorkingDir:       d.Str(o.GetAttr("working_dir"), defaultWorkingDir),
		ImagePullSecrets: d.StrList(o.GetAttr("image_pull_secrets")),
		ImagePullPolicy:  d.Str(o.GetAttr("image_pull_policy"), "IfNotPresent"),
	}
	if opt.Namespace != "" {
		if errs := validation.IsDNS1123Label(opt.Namespace); len(errs) > 0 {
			d.Errorf(o.GetAttr("namespace"), "Invalid namespace", "%q is not a namespace name: %s.", opt.Namespace, errs[0])
		}
	}
	if _, err := resource.ParseQuantity(opt.ShmSize); err != nil {
		d.Errorf(o.GetAttr("shm_size"), "Invalid shm_size", `shm_size is %q; write a size like "1Gi".`, opt.ShmSize)
	}
	if opt.CheckpointVolume != "" {
		if errs := validation.IsDNS1123Subdomain(opt.CheckpointVolume); len(errs) > 0 {
			d.Errorf(o.GetAttr("checkpoint_volume"), "Invalid checkpoint_volume", "%q is not a PersistentVolumeClaim name: %s.", opt.CheckpointVolume, errs[0])
		}
	}
	if opt.CheckpointURI != "" && !strings.Contains(opt.CheckpointURI, "://") {
		d.Errorf(o.GetAttr("checkpoint_uri"), "Invalid checkpoint_uri", `checkpoint_uri is %q; write a URI like "s3://bucket/checkpoints".`, opt.CheckpointURI)
	}
	if !strings.HasPrefix(opt.WorkingDir, "/") {
		d.Errorf(o.GetAttr("working_dir"), "Invalid working_dir", "working_dir %q must be an absolute path in the image.", opt.WorkingDir)
	}
	switch opt.ImagePullPolicy {
	case "IfNotPresent", "Always", "Never":
	default:
		d.Errorf(o.GetAttr("image_pull_policy"), "Invalid image_pull_policy", `image_pull_policy is %q; use "IfNotPresent", "Always" or "Never".`, opt.ImagePullPolicy)
	}
	for k, v := range opt.Labels {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			d.Errorf(o.GetAttr("labels").Index(cty.StringVal(k)), "Invalid label", "%q is not a label key: %s.", k, errs[0])
		} else if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			d.Errorf(o.GetAttr("labels").Index(cty.StringVal(k)), "Invalid label", "%q is not a label value: %s.", v, errs[0])
		}
	}
	checkTolerations(d, o.GetAttr("tolerations"), opt.Tolerations)
	return opt
}

func decodePoolRef(d *ctyval.Decoder) poolRef {
	p := ctyval.Attr("pool")
	v := d.Get(p)
	if v.IsNull() {
		return poolRef{}
	}
	if !v.IsKnown() {
		d.Unknown = append(d.Unknown, "pool")
		return poolRef{}
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		d.Errorf(p, "Invalid pool", "pool must be a cluster's pool, e.g. cluster.gpu.pool.a100.")
		return poolRef{}
	}
	pd := &ctyval.Decoder{V: v}
	ref := poolRef{
		Name:            pd.Str(ctyval.Attr("name"), ""),
		ClusterID:       pd.Str(ctyval.Attr("cluster_id"), ""),
		Provider:        pd.Str(ctyval.Attr("provider"), ""),
		Namespace:       pd.Str(ctyval.Attr("namespace"), ""),
		GPUsPerNode:     ctyval.Int(ctyval.Get(v, ctyval.Attr("gpus_per_node"))),
		GPUResource:     pd.Str(ctyval.Attr("gpu_resource"), defaultGPUResource),
		NodeSelector:    pd.StrMap(ctyval.Attr("node_selector")),
		Tolerations:     pd.MapList(ctyval.Attr("tolerations")),
		Queue:           pd.Str(ctyval.Attr("queue"), ""),
		NodePool:        pd.Str(ctyval.Attr("node_pool"), ""),
		ServiceAccount:  pd.Str(ctyval.Attr("service_account"), ""),
		PriorityClasses: pd.StrMap(ctyval.Attr("priority_classes")),
	}
	// The pool's computed parts may be unknown while its cluster is being
	// created; what the pods need must be known to fingerprint and render.
	for _, u := range pd.Unknown {
		if u == "namespace" || u == "node_selector" || u == "tolerations" || u == "queue" || u == "node_pool" || u == "priority_classes" {
			d.Unknown = append(d.Unknown, "pool."+u)
		}
	}
	ref.Known = ref.Namespace != "" && len(pd.Unknown) == 0
	if ref.Provider == "" && ref.Namespace == "" && len(pd.Unknown) == 0 {
		d.Errorf(p, "Invalid pool", "pool must be a pool of a kubernetes cluster, e.g. cluster.gpu.pool.a100.")
	}
	return ref
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
