package local

import (
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
)

// trainingConfig is a training's configuration decoded into Go values,
// with defaults applied. Unknown lists the inputs still unknown at plan
// time ("data.train"), which leave the fingerprint unknown.
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

	Unknown []string
}

type poolRef struct {
	Name, ClusterID string
	Slots, GPUs     int
	Known           bool // slots and gpus known
}

type experimentRef struct{ ID, Name string }

// WorldSize is the number of ranks.
func (c *trainingConfig) WorldSize() int { return c.Nodes * c.ProcsPerNode }

// ResolvedBackend turns "auto" into nccl or gloo for the pool.
func (c *trainingConfig) ResolvedBackend() string {
	if c.Backend == "auto" {
		if c.Pool.GPUs > 0 {
			return "nccl"
		}
		return "gloo"
	}
	return c.Backend
}

var (
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	memoryRE  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?([KMGTP]i?|[kMGTP]B?)?$`)
)

// decodeTraining reads a training's configuration value. Every mistake is
// a diagnostic pointing at its attribute.
func decodeTraining(v cty.Value) (*trainingConfig, providers.Diagnostics) {
	var diags providers.Diagnostics
	c := &trainingConfig{
		Env: map[string]string{}, NCCL: map[string]string{}, Data: map[string]dataRef{},
		Nodes: 1, ProcsPerNode: 1, Backend: "auto", DistTimeout: 10 * time.Minute,
		CheckpointEvery: 5 * time.Minute, Keep: 3, RetryInfra: 3, HangTimeout: 30 * time.Minute,
	}
	d := decoder{v: v}

	c.Code = d.str("code", &c.Unknown)
	c.Command = d.strList("command", &c.Unknown)
	if len(c.Command) == 0 && !d.unknown("command") {
		d.errorf(cty.GetAttrPath("command"), "Empty command", `command must name a program, e.g. ["python3", "train.py"].`)
	}
	c.Env = d.strMap(cty.GetAttrPath("env"), &c.Unknown)
	for k := range c.Env {
		if !envNameRE.MatchString(k) {
			d.errorf(cty.GetAttrPath("env").Index(cty.StringVal(k)), "Invalid environment variable name",
				fmt.Sprintf("%q is not a valid variable name: use letters, digits and underscores, not starting with a digit.", k))
		}
	}
	c.Image = d.str("image", &c.Unknown)
	c.Params = d.get(cty.GetAttrPath("params"))
	if !c.Params.IsWhollyKnown() {
		c.Unknown = append(c.Unknown, "params")
	} else if !c.Params.IsNull() && !c.Params.Type().IsObjectType() && !c.Params.Type().IsMapType() {
		d.errorf(cty.GetAttrPath("params"), "Invalid params", "params must be an object, e.g. { lr = 0.05, epochs = 20 }.")
	}
	c.HangTimeout = d.duration(cty.GetAttrPath("hang_timeout"), c.HangTimeout)

	dist := cty.GetAttrPath("distributed")
	c.Nodes = d.count(dist.GetAttr("nodes"), c.Nodes, 1)
	c.ProcsPerNode = d.count(dist.GetAttr("procs_per_node"), c.ProcsPerNode, 1)
	if b := d.get(dist.GetAttr("backend")); b.IsKnown() && !b.IsNull() {
		c.Backend = b.AsString()
		if c.Backend != "auto" && c.Backend != "nccl" && c.Backend != "gloo" {
			d.errorf(dist.GetAttr("backend"), "Invalid backend", fmt.Sprintf(`backend is %q; use "auto", "nccl" or "gloo".`, c.Backend))
		}
	}
	c.MasterPort = d.count(dist.GetAttr("master_port"), 0, 0)
	if c.MasterPort > 65535 {
		d.errorf(dist.GetAttr("master_port"), "Invalid master_port", fmt.Sprintf("master_port %d is not a TCP port (1-65535).", c.MasterPort))
	}
	c.DistTimeout = d.duration(dist.GetAttr("timeout"), c.DistTimeout)
	c.NCCL = d.strMap(dist.GetAttr("nccl"), &c.Unknown)
	for k := range c.NCCL {
		if !strings.HasPrefix(k, "NCCL_") {
			d.errorf(dist.GetAttr("nccl").Index(cty.StringVal(k)), "Not an NCCL setting",
				fmt.Sprintf("%q does not start with NCCL_; put other variables in env.", k))
		}
	}

	ck := cty.GetAttrPath("checkpoint")
	c.CheckpointEvery = d.duration(ck.GetAttr("every"), c.CheckpointEvery)
	c.Keep = d.count(ck.GetAttr("keep"), c.Keep, 1)
	rt := cty.GetAttrPath("retry")
	c.RetryInfra = d.count(rt.GetAttr("infrastructure"), c.RetryInfra, 0)
	c.RetryUser = d.count(rt.GetAttr("user_error"), c.RetryUser, 0)
	res := cty.GetAttrPath("resources")
	c.CPUs = d.count(res.GetAttr("cpus"), 0, 1)
	c.GPUs = d.count(res.GetAttr("gpus"), 0, 0)
	if m := d.get(res.GetAttr("memory")); m.IsKnown() && !m.IsNull() {
		c.Memory = m.AsString()
		if !memoryRE.MatchString(c.Memory) {
			d.errorf(res.GetAttr("memory"), "Invalid memory", fmt.Sprintf(`memory is %q; write a size like "8Gi", "512Mi" or "2GB".`, c.Memory))
		}
	}

	c.Pool = d.pool()
	c.Experiment = d.experiment()
	c.Data = d.data(&c.Unknown)

	if c.Pool.Known {
		if c.WorldSize() > c.Pool.Slots {
			d.errorf(cty.GetAttrPath("distributed"), "Training does not fit its pool",
				fmt.Sprintf("the training needs %d slots (%d nodes × %d procs_per_node) but pool %q has %d; lower the ranks or raise the pool's slots.",
					c.WorldSize(), c.Nodes, c.ProcsPerNode, c.Pool.Name, c.Pool.Slots))
		}
		if c.Backend == "nccl" && c.Pool.GPUs == 0 {
			d.errorf(dist.GetAttr("backend"), "nccl needs GPUs",
				fmt.Sprintf(`backend "nccl" needs GPUs, and pool %q has none; use "gloo" or "auto".`, c.Pool.Name))
		}
		if c.GPUs > c.Pool.GPUs {
			d.errorf(res.GetAttr("gpus"), "Not enough GPUs",
				fmt.Sprintf("resources.gpus is %d but pool %q has %d GPUs.", c.GPUs, c.Pool.Name, c.Pool.GPUs))
		}
	}
	sort.Strings(c.Unknown)
	diags = append(diags, d.diags...)
	return c, diags
}

// decoder reads attributes of a value, collecting diagnostics.
type decoder struct {
	v     cty.Value
	diags providers.Diagnostics
}

func (d *decoder) errorf(p cty.Path, summary, detail string) {
	d.diags = d.diags.AttrError(p, summary, detail)
}

// get walks p through objects, returning a null value where anything on
// the way is null or missing.
func (d *decoder) get(p cty.Path) cty.Value {
	return getPath(d.v, p)
}

func getPath(v cty.Value, p cty.Path) cty.Value {
	for _, step := range p {
		if v.IsNull() {
			return cty.NullVal(cty.DynamicPseudoType)
		}
		if !v.IsKnown() {
			return cty.UnknownVal(cty.DynamicPseudoType)
		}
		ga, ok := step.(cty.GetAttrStep)
		if !ok {
			return cty.NullVal(cty.DynamicPseudoType)
		}
		switch {
		case v.Type().IsObjectType():
			if !v.Type().HasAttribute(ga.Name) {
				return cty.NullVal(cty.DynamicPseudoType)
			}
			v = v.GetAttr(ga.Name)
		case v.Type().IsMapType():
			k := cty.StringVal(ga.Name)
			if !v.HasIndex(k).True() {
				return cty.NullVal(cty.DynamicPseudoType)
			}
			v = v.Index(k)
		default:
			return cty.NullVal(cty.DynamicPseudoType)
		}
	}
	return v
}

func (d *decoder) unknown(name string) bool { return !d.get(cty.GetAttrPath(name)).IsWhollyKnown() }

func (d *decoder) str(name string, unknown *[]string) string {
	v := d.get(cty.GetAttrPath(name))
	if !v.IsKnown() {
		*unknown = append(*unknown, name)
		return ""
	}
	if v.IsNull() || !v.Type().Equals(cty.String) {
		return ""
	}
	return v.AsString()
}

func (d *decoder) strList(name string, unknown *[]string) []string {
	v := d.get(cty.GetAttrPath(name))
	if !v.IsWhollyKnown() {
		*unknown = append(*unknown, name)
		return nil
	}
	if v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	var out []string
	for i, e := range v.AsValueSlice() {
		if e.IsNull() {
			d.errorf(cty.GetAttrPath(name).IndexInt(i), "Null element", name+" must not hold null elements.")
			continue
		}
		out = append(out, e.AsString())
	}
	return out
}

func (d *decoder) strMap(p cty.Path, unknown *[]string) map[string]string {
	out := map[string]string{}
	v := d.get(p)
	if !v.IsWhollyKnown() {
		*unknown = append(*unknown, pathString(p))
		return out
	}
	if v.IsNull() || !v.CanIterateElements() {
		return out
	}
	for k, e := range v.AsValueMap() {
		if !e.IsNull() {
			out[k] = e.AsString()
		}
	}
	return out
}

// count reads a whole number of at least min.
func (d *decoder) count(p cty.Path, def, min int) int {
	v := d.get(p)
	if !v.IsKnown() || v.IsNull() {
		return def
	}
	bf := v.AsBigFloat()
	i, acc := bf.Int64()
	if acc != big.Exact || i < int64(min) || i > 1<<31 {
		d.errorf(p, "Invalid "+pathString(p), fmt.Sprintf("%s must be a whole number of at least %d, got %s.", pathString(p), min, bf.Text('g', 10)))
		return def
	}
	return int(i)
}

func (d *decoder) duration(p cty.Path, def time.Duration) time.Duration {
	v := d.get(p)
	if !v.IsKnown() || v.IsNull() {
		return def
	}
	s := v.AsString()
	dur, err := time.ParseDuration(s)
	if err != nil || dur <= 0 {
		d.errorf(p, "Invalid duration", fmt.Sprintf(`%s is %q; write a positive duration like "30s", "5m" or "1h30m".`, pathString(p), s))
		return def
	}
	return dur
}

func (d *decoder) pool() poolRef {
	p := cty.GetAttrPath("pool")
	v := d.get(p)
	if v.IsNull() {
		return poolRef{}
	}
	if v.IsKnown() && !v.Type().IsObjectType() && !v.Type().IsMapType() {
		d.errorf(p, "Invalid pool", "pool must be a cluster's pool, e.g. cluster.dev.pool.cpu.")
		return poolRef{}
	}
	ref := poolRef{}
	if n := getPath(v, cty.GetAttrPath("name")); n.IsKnown() && !n.IsNull() {
		ref.Name = n.AsString()
	}
	if n := getPath(v, cty.GetAttrPath("cluster_id")); n.IsKnown() && !n.IsNull() {
		ref.ClusterID = n.AsString()
	}
	slots, gpus := getPath(v, cty.GetAttrPath("slots")), getPath(v, cty.GetAttrPath("gpus"))
	if slots.IsKnown() && gpus.IsKnown() {
		if slots.IsNull() {
			d.errorf(p, "Invalid pool", "the pool has no slots; pool must be a cluster's pool, e.g. cluster.dev.pool.cpu.")
			return ref
		}
		ref.Known = true
		ref.Slots = numInt(slots)
		if !gpus.IsNull() {
			ref.GPUs = numInt(gpus)
		}
	}
	return ref
}

func (d *decoder) experiment() experimentRef {
	v := d.get(cty.GetAttrPath("experiment"))
	var e experimentRef
	if id := getPath(v, cty.GetAttrPath("id")); id.IsKnown() && !id.IsNull() && id.Type() == cty.String {
		e.ID = id.AsString()
	}
	if n := getPath(v, cty.GetAttrPath("name")); n.IsKnown() && !n.IsNull() && n.Type() == cty.String {
		e.Name = n.AsString()
	}
	return e
}

func numInt(v cty.Value) int {
	i, _ := v.AsBigFloat().Int64()
	return int(i)
}

// pathString renders a path the way a user writes it: distributed.nodes.
func pathString(p cty.Path) string {
	var b strings.Builder
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case cty.IndexStep:
			if s.Key.Type() == cty.String {
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			} else {
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			}
		}
	}
	return b.String()
}
