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
	"github.com/mltf/mltf/providers/trainingkind"
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
	pv := trainingkind.GetPath(v, cty.GetAttrPath("pool"))
	if pv.IsNull() || !pv.IsKnown() {
		return out, diags
	}
	for name, b := range pv.AsValueMap() {
		d := trainingkind.Decoder{V: b}
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

func (p *Provider) planCluster(req providers.PlanChangeRequest) providers.PlanChangeResponse {
	var resp providers.PlanChangeResponse
	if req.Config.IsNull() {
		resp.Planned = cty.NullVal(clusterSchema().ImpliedType())
		return resp
	}
	p.mu.Lock()
	host := p.host
	p.mu.Unlock()
	pools, diags := decodePools(req.Config, host.CPUs)
	resp.Diagnostics = diags
	if host.GPUs != nil {
		for name, pc := range pools {
			if pc.GPUs > len(host.GPUs) {
				resp.Diagnostics = resp.Diagnostics.AttrError(cty.GetAttrPath("pool").Index(cty.StringVal(name)).GetAttr("gpus"),
					"Not enough GPUs", fmt.Sprintf("pool %q asks for %d GPUs and this host has %d.", name, pc.GPUs, len(host.GPUs)))
			}
		}
	}
	id := cty.UnknownVal(cty.String)
	if !req.Prior.IsNull() {
		id = req.Prior.GetAttr("id")
	}
	resp.Planned = clusterValue(req.Config, id, host, pools)
	return resp
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
	return trainingkind.ObjectWith(config, map[string]cty.Value{
		"id":           id,
		"hostname":     cty.StringVal(host.Hostname),
		"cpus":         cty.NumberIntVal(int64(host.CPUs)),
		"memory_bytes": cty.NumberVal(new(big.Float).SetInt64(host.MemoryBytes)),
		"gpus":         gpuList,
		"pool":         poolVal,
	})
}

func (p *Provider) applyCluster(req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	if req.Planned.IsNull() {
		return providers.ApplyChangeResponse{New: req.Planned}
	}
	id := req.Planned.GetAttr("id")
	if !id.IsKnown() {
		b := make([]byte, 4)
		rand.Read(b)
		host, _ := os.Hostname()
		id = cty.StringVal("local-" + host + "-" + hex.EncodeToString(b))
	}
	p.mu.Lock()
	host := p.host
	p.mu.Unlock()
	pools, diags := decodePools(req.Config, host.CPUs)
	return providers.ApplyChangeResponse{New: clusterValue(req.Config, id, host, pools), Diagnostics: diags}
}

// readCluster refreshes what the cluster knows of the host.
func (p *Provider) readCluster(req providers.ReadRequest) providers.ReadResponse {
	if req.Current.IsNull() {
		return providers.ReadResponse{New: req.Current}
	}
	p.mu.Lock()
	host := p.host
	p.mu.Unlock()
	gpus := cty.ListValEmpty(cty.String)
	if len(host.GPUs) > 0 {
		vs := make([]cty.Value, len(host.GPUs))
		for i, g := range host.GPUs {
			vs[i] = cty.StringVal(g)
		}
		gpus = cty.ListVal(vs)
	}
	return providers.ReadResponse{New: trainingkind.ObjectWith(req.Current, map[string]cty.Value{
		"hostname":     cty.StringVal(host.Hostname),
		"cpus":         cty.NumberIntVal(int64(host.CPUs)),
		"memory_bytes": cty.NumberVal(new(big.Float).SetInt64(host.MemoryBytes)),
		"gpus":         gpus,
	}), Private: req.Private}
}
