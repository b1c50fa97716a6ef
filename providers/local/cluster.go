package local

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/sdk"
)

// hostFacts is what the cluster kind reports about this machine.
type hostFacts struct {
	Hostname    string
	CPUs        int
	MemoryBytes int64
	GPUs        []string
}

func readHostFacts() (hostFacts, error) {
	h := hostFacts{CPUs: runtime.NumCPU()}
	h.Hostname, _ = os.Hostname()
	var err error
	h.MemoryBytes, err = memTotal()
	h.GPUs = nvidiaGPUs()
	return h, err
}

func memTotal() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no MemTotal in /proc/meminfo")
}

// nvidiaGPUs lists the GPU models nvidia-smi reports; none when it is
// missing or fails.
func nvidiaGPUs() []string {
	path, err := exec.LookPath("nvidia-smi")
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--query-gpu=name", "--format=csv,noheader").Output()
	if err != nil {
		return nil
	}
	var gpus []string
	for _, l := range strings.Split(string(bytes.TrimSpace(out)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			gpus = append(gpus, l)
		}
	}
	return gpus
}

// poolConfig is one pool block with defaults applied.
type poolConfig struct {
	Slots, GPUs int
}

// decodePools reads the pool blocks of a cluster; cpus is the default
// number of slots.
func decodePools(v cty.Value, cpus int) (map[string]poolConfig, providers.Diagnostics) {
	var diags providers.Diagnostics
	out := map[string]poolConfig{}
	pv := ctyval.Get(v, cty.GetAttrPath("pool"))
	if pv.IsNull() || !pv.IsKnown() {
		return out, diags
	}
	for name, b := range pv.AsValueMap() {
		d := ctyval.Decoder{V: b}
		pc := poolConfig{GPUs: d.Count(cty.GetAttrPath("gpus"), 0, 0)}
		pc.Slots = pc.GPUs
		if pc.Slots == 0 {
			pc.Slots = cpus
		}
		pc.Slots = d.Count(cty.GetAttrPath("slots"), pc.Slots, 1)
		for _, x := range d.Diags {
			x.Attribute = append(cty.GetAttrPath("pool").Index(cty.StringVal(name)), x.Attribute...)
			diags = append(diags, x)
		}
		out[name] = pc
	}
	return out, diags
}

// clusterKind is the cluster kind: this host, split into pools.
func (p *Provider) clusterKind() *sdk.Kind {
	return &sdk.Kind{
		Schema:  clusterSchema(),
		Version: 1,
		Validate: func(ctx context.Context, config cty.Value) providers.Diagnostics {
			_, diags := decodePools(config, 1)
			return diags
		},
		Plan:   p.planCluster,
		Create: p.applyCluster,
		Update: p.applyCluster,
		Read:   p.readCluster,
	}
}

func (p *Provider) planCluster(ctx context.Context, pl *sdk.Plan) providers.Diagnostics {
	pl.RequiresReplace, pl.Reasons = nil, nil
	host := p.hostFacts()
	pools, diags := decodePools(pl.Config, host.CPUs)
	if host.GPUs != nil {
		for name, pc := range pools {
			if pc.GPUs > len(host.GPUs) {
				diags = diags.AttrError(cty.GetAttrPath("pool").Index(cty.StringVal(name)).GetAttr("gpus"),
					"Not enough GPUs", fmt.Sprintf("pool %q asks for %d GPUs and this host has %d.", name, pc.GPUs, len(host.GPUs)))
			}
		}
	}
	id := cty.UnknownVal(cty.String)
	if !pl.Create() {
		id = pl.Prior.GetAttr("id")
	}
	pl.Planned = clusterValue(pl.Config, id, host, pools)
	return diags
}

func clusterValue(config, id cty.Value, host hostFacts, pools map[string]poolConfig) cty.Value {
	gpus := make([]cty.Value, len(host.GPUs))
	for i, g := range host.GPUs {
		gpus[i] = cty.StringVal(g)
	}
	gpuList := cty.ListValEmpty(cty.String)
	if len(gpus) > 0 {
		gpuList = cty.ListVal(gpus)
	}
	ety := clusterSchema().Blocks["pool"].Block.ImpliedType()
	poolVal := cty.MapValEmpty(ety)
	if len(pools) > 0 {
		m := map[string]cty.Value{}
		for name, pc := range pools {
			m[name] = cty.ObjectVal(map[string]cty.Value{
				"slots":      cty.NumberIntVal(int64(pc.Slots)),
				"gpus":       cty.NumberIntVal(int64(pc.GPUs)),
				"name":       cty.StringVal(name),
				"cluster_id": id,
				"provider":   cty.StringVal("local"),
			})
		}
		poolVal = cty.MapVal(m)
	}
	return ctyval.With(config, map[string]cty.Value{
		"id":           id,
		"hostname":     cty.StringVal(host.Hostname),
		"cpus":         cty.NumberIntVal(int64(host.CPUs)),
		"memory_bytes": cty.NumberVal(new(big.Float).SetInt64(host.MemoryBytes)),
		"gpus":         gpuList,
		"pool":         poolVal,
	})
}

func (p *Provider) applyCluster(ctx context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
	id := c.Planned.GetAttr("id")
	if !id.IsKnown() {
		b := make([]byte, 4)
		rand.Read(b)
		host, _ := os.Hostname()
		id = cty.StringVal("local-" + host + "-" + hex.EncodeToString(b))
	}
	host := p.hostFacts()
	pools, diags := decodePools(c.Config, host.CPUs)
	return clusterValue(c.Config, id, host, pools), diags
}

// readCluster refreshes what the cluster knows of the host.
func (p *Provider) readCluster(ctx context.Context, r *sdk.Read) (cty.Value, providers.Diagnostics) {
	host := p.hostFacts()
	gpus := cty.ListValEmpty(cty.String)
	if len(host.GPUs) > 0 {
		vs := make([]cty.Value, len(host.GPUs))
		for i, g := range host.GPUs {
			vs[i] = cty.StringVal(g)
		}
		gpus = cty.ListVal(vs)
	}
	return ctyval.With(r.Current, map[string]cty.Value{
		"hostname":     cty.StringVal(host.Hostname),
		"cpus":         cty.NumberIntVal(int64(host.CPUs)),
		"memory_bytes": cty.NumberVal(new(big.Float).SetInt64(host.MemoryBytes)),
		"gpus":         gpus,
	}), nil
}
