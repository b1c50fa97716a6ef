package training

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/mltf/mltf/providers/ctyval"
	"github.com/zclconf/go-cty/cty"
)

// Config is a training's configuration decoded into Go values, with
// defaults applied: the kind's attributes, without the pool and the
// provider's options, which each provider reads itself.
type Config struct {
	Code    string
	Command []string
	Env     map[string]string
	// SecretEnv maps variables to references ("env:NAME", "file:PATH",
	// "secret:NAME/KEY") resolved at launch; values are never stored.
	SecretEnv map[string]string
	Image     string
	Params    cty.Value // an object, or null
	Data      map[string]DataRef

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
	Memory     string // as written; each provider checks its format

	Experiment Experiment

	// Unknown lists the inputs still unknown at plan time
	// ("data.train"), which leave the fingerprint unknown. A provider
	// appends what it reads itself, then sorts it (Decoder.Unknown).
	Unknown []string
}

// Experiment is what a training reads of its experiment.
type Experiment struct{ ID, Name string }

// Rules are the few defaults the providers choose themselves.
type Rules struct {
	// MasterPort is the default of distributed.master_port. Zero leaves
	// the port to the provider (a free one) and allows master_port = 0.
	MasterPort int
	// Locations are the attributes of a dataset object that give its
	// location, the first one present wins, e.g. path before source where
	// the ranks read local files. Nil: source, uri, url, path.
	Locations []string
}

// WorldSize is the number of ranks.
func (c *Config) WorldSize() int { return c.Nodes * c.ProcsPerNode }

// BackendFor turns "auto" into nccl where the pool has GPUs, else gloo.
func (c *Config) BackendFor(poolHasGPUs bool) string {
	if c.Backend == "auto" {
		if poolHasGPUs {
			return "nccl"
		}
		return "gloo"
	}
	return c.Backend
}

// EnvNameRE matches an environment variable's name.
var EnvNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Decode reads the kind's attributes of d.V into a Config. Every mistake
// is a diagnostic in d pointing at its attribute; unknown inputs are
// recorded in d.Unknown. The caller reads its own attributes with the same
// decoder afterwards, then sets c.Unknown = sorted d.Unknown (Finish).
func Decode(d *ctyval.Decoder, rules Rules) *Config {
	c := &Config{
		Nodes: 1, ProcsPerNode: 1, Backend: "auto", MasterPort: rules.MasterPort, DistTimeout: 10 * time.Minute,
		CheckpointEvery: 5 * time.Minute, Keep: 3, RetryInfra: 3, HangTimeout: 30 * time.Minute,
	}
	c.Code = d.Str(ctyval.Attr("code"), "")
	c.Command = d.StrList(ctyval.Attr("command"))
	if len(c.Command) == 0 && d.Get(ctyval.Attr("command")).IsWhollyKnown() {
		d.Errorf(ctyval.Attr("command"), "Empty command", `command must name a program, e.g. ["python3", "train.py"].`)
	}
	c.Env = d.StrMap(ctyval.Attr("env"))
	for k := range c.Env {
		if !EnvNameRE.MatchString(k) {
			d.Errorf(ctyval.Attr("env").Index(cty.StringVal(k)), "Invalid environment variable name",
				"%q is not a valid variable name: use letters, digits and underscores, not starting with a digit.", k)
		}
	}
	decodeSecretEnv(d, c)
	c.Image = d.Str(ctyval.Attr("image"), "")
	c.Params = d.Get(ctyval.Attr("params"))
	if !c.Params.IsWhollyKnown() {
		d.Unknown = append(d.Unknown, "params")
	} else if !c.Params.IsNull() && !c.Params.Type().IsObjectType() && !c.Params.Type().IsMapType() {
		d.Errorf(ctyval.Attr("params"), "Invalid params", "params must be an object, e.g. { lr = 0.05, epochs = 20 }.")
	}
	c.HangTimeout = d.Duration(ctyval.Attr("hang_timeout"), c.HangTimeout)

	dist := ctyval.Attr("distributed")
	c.Nodes = d.Count(dist.GetAttr("nodes"), c.Nodes, 1)
	c.ProcsPerNode = d.Count(dist.GetAttr("procs_per_node"), c.ProcsPerNode, 1)
	c.Backend = d.Str(dist.GetAttr("backend"), c.Backend)
	if c.Backend != "auto" && c.Backend != "nccl" && c.Backend != "gloo" {
		d.Errorf(dist.GetAttr("backend"), "Invalid backend", `backend is %q; use "auto", "nccl" or "gloo".`, c.Backend)
	}
	minPort := 0
	if rules.MasterPort > 0 {
		minPort = 1
	}
	c.MasterPort = d.Count(dist.GetAttr("master_port"), c.MasterPort, minPort)
	if c.MasterPort > 65535 {
		d.Errorf(dist.GetAttr("master_port"), "Invalid master_port", "master_port %d is not a TCP port (1-65535).", c.MasterPort)
	}
	c.DistTimeout = d.Duration(dist.GetAttr("timeout"), c.DistTimeout)
	c.NCCL = d.StrMap(dist.GetAttr("nccl"))
	for k := range c.NCCL {
		if !strings.HasPrefix(k, "NCCL_") {
			d.Errorf(dist.GetAttr("nccl").Index(cty.StringVal(k)), "Not an NCCL setting", "%q does not start with NCCL_; put other variables in env.", k)
		}
	}
	ck := ctyval.Attr("checkpoint")
	c.CheckpointEvery = d.Duration(ck.GetAttr("every"), c.CheckpointEvery)
	c.Keep = d.Count(ck.GetAttr("keep"), c.Keep, 1)
	rt := ctyval.Attr("retry")
	c.RetryInfra = d.Count(rt.GetAttr("infrastructure"), c.RetryInfra, 0)
	c.RetryUser = d.Count(rt.GetAttr("user_error"), c.RetryUser, 0)
	res := ctyval.Attr("resources")
	c.CPUs = d.Count(res.GetAttr("cpus"), 0, 1)
	c.GPUs = d.Count(res.GetAttr("gpus"), 0, 0)
	c.Memory = d.Str(res.GetAttr("memory"), "")

	c.Experiment = decodeExperiment(d)
	locations := rules.Locations
	if locations == nil {
		locations = []string{"source", "uri", "url", "path"}
	}
	c.Data = decodeData(d, locations)
	return c
}

// Finish sets c.Unknown from what d recorded, sorted.
func (c *Config) Finish(d *ctyval.Decoder) {
	sort.Strings(d.Unknown)
	c.Unknown = d.Unknown
}

func decodeExperiment(d *ctyval.Decoder) Experiment {
	v := d.Get(ctyval.Attr("experiment"))
	var e Experiment
	if id := ctyval.Get(v, ctyval.Attr("id")); id.IsKnown() && !id.IsNull() && id.Type() == cty.String {
		e.ID = id.AsString()
	}
	if n := ctyval.Get(v, ctyval.Attr("name")); n.IsKnown() && !n.IsNull() && n.Type() == cty.String {
		e.Name = n.AsString()
	}
	return e
}
