package local

import (
	"regexp"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/runflow"
)

// trainingConfig is a training's configuration: the kind's attributes
// (training.Config) and what this provider reads of the pool.
type trainingConfig struct {
	training.Config
	Pool poolRef
}

type poolRef struct {
	Name, ClusterID string
	Slots, GPUs     int
	Known           bool // slots and gpus known
}

// ResolvedBackend turns "auto" into nccl or gloo for the pool.
func (c *trainingConfig) ResolvedBackend() string { return c.BackendFor(c.Pool.GPUs > 0) }

// rules are this provider's defaults of the kind: a free rendezvous port,
// and a dataset's local path before its source (the ranks run here).
var rules = training.Rules{Locations: []string{"path", "source", "uri", "url"}}

var memoryRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?([KMGTP]i?|[kMGTP]B?)?$`)

// decodeTraining reads a training's configuration value. Every mistake is
// a diagnostic pointing at its attribute.
func decodeTraining(v cty.Value) (*trainingConfig, providers.Diagnostics) {
	d := &ctyval.Decoder{V: v}
	c := &trainingConfig{Config: *training.Decode(d, rules)}
	dist, res := cty.GetAttrPath("distributed"), cty.GetAttrPath("resources")
	if c.Memory != "" && !memoryRE.MatchString(c.Memory) {
		d.Errorf(res.GetAttr("memory"), "Invalid memory", `memory is %q; write a size like "8Gi", "512Mi" or "2GB".`, c.Memory)
	}
	for name, ref := range c.SecretEnv {
		if r, err := training.ParseSecretRef(ref); err == nil && r.Scheme == "secret" {
			d.Errorf(cty.GetAttrPath("secret_env").Index(cty.StringVal(name)), "Kubernetes Secret on a local cluster",
				`%q names a Kubernetes Secret, which a local cluster cannot read; use "env:NAME" (a variable of mltf apply's environment) or "file:PATH".`, ref)
		}
	}
	c.Pool = decodePool(d)
	if c.Pool.Known {
		if c.WorldSize() > c.Pool.Slots {
			d.Errorf(dist, "Training does not fit its pool",
				"the training needs %d slots (%d nodes × %d procs_per_node) but pool %q has %d; lower the ranks or raise the pool's slots.",
				c.WorldSize(), c.Nodes, c.ProcsPerNode, c.Pool.Name, c.Pool.Slots)
		}
		if c.Backend == "nccl" && c.Pool.GPUs == 0 {
			d.Errorf(dist.GetAttr("backend"), "nccl needs GPUs",
				`backend "nccl" needs GPUs, and pool %q has none; use "gloo" or "auto".`, c.Pool.Name)
		}
		if c.GPUs > c.Pool.GPUs {
			d.Errorf(res.GetAttr("gpus"), "Not enough GPUs",
				"resources.gpus is %d but pool %q has %d GPUs.", c.GPUs, c.Pool.Name, c.Pool.GPUs)
		}
	}
	c.Finish(d)
	return c, d.Diags
}

func decodePool(d *ctyval.Decoder) poolRef {
	p := cty.GetAttrPath("pool")
	v := d.Get(p)
	if v.IsNull() {
		return poolRef{}
	}
	if v.IsKnown() && !v.Type().IsObjectType() && !v.Type().IsMapType() {
		d.Errorf(p, "Invalid pool", "pool must be a cluster's pool, e.g. cluster.dev.pool.cpu.")
		return poolRef{}
	}
	ref := poolRef{}
	if n := ctyval.Get(v, cty.GetAttrPath("name")); n.IsKnown() && !n.IsNull() {
		ref.Name = n.AsString()
	}
	if n := ctyval.Get(v, cty.GetAttrPath("cluster_id")); n.IsKnown() && !n.IsNull() {
		ref.ClusterID = n.AsString()
	}
	slots, gpus := ctyval.Get(v, cty.GetAttrPath("slots")), ctyval.Get(v, cty.GetAttrPath("gpus"))
	if slots.IsKnown() && gpus.IsKnown() {
		if slots.IsNull() {
			d.Errorf(p, "Invalid pool", "the pool has no slots; pool must be a cluster's pool, e.g. cluster.dev.pool.cpu.")
			return ref
		}
		ref.Known = true
		ref.Slots = ctyval.Int(slots)
		if !gpus.IsNull() {
			ref.GPUs = ctyval.Int(gpus)
		}
	}
	return ref
}

// Decode reads a training's configuration for the run flow: the ranks
// run on this machine, so they read local data sets at their paths.
func (b *backend) Decode(v cty.Value) (*runflow.Config, providers.Diagnostics) {
	c, diags := decodeTraining(v)
	return &runflow.Config{Config: c.Config, Backend: c.ResolvedBackend(), LocalData: true, Placement: c.Pool}, diags
}
