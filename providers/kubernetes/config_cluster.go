package kubernetes

import (
	"regexp"
	"sort"
	"time"

	"github.com/zclconf/go-cty/cty"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/mltf/mltf/providers"
)

// clusterConfig is a cluster's configuration with defaults applied.
type clusterConfig struct {
	Namespace string // "" when it comes from the provider
	Priority  map[string]int
	Quota     quotaConfig
	Pools     map[string]poolConfig
	Unknown   []string
}

type quotaConfig struct {
	GPUs, CPUs int
	Memory     string
}

// poolConfig is one pool block with defaults applied.
type poolConfig struct {
	Name             string
	GPUsPerNode      int
	GPUResource      string
	NodeSelector     map[string]string
	Tolerations      []map[string]string
	Capacity         string
	InstanceTypes    []string
	MaxNodes         int
	ConsolidateAfter time.Duration
	NodeClass        string
}

const (
	defaultGPUResource = "nvidia.com/gpu"
	defaultMaxNodes    = 8
)

var dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func decodeCluster(v cty.Value) (*clusterConfig, providers.Diagnostics) {
	d := &decoder{v: v}
	c := &clusterConfig{Priority: map[string]int{}, Pools: map[string]poolConfig{}}
	c.Namespace = d.str(attr("namespace"), "")
	if c.Namespace != "" {
		if errs := validation.IsDNS1123Label(c.Namespace); len(errs) > 0 {
			d.errorf(attr("namespace"), "Invalid namespace", "%q is not a namespace name: %s.", c.Namespace, errs[0])
		}
	}
	if pv := d.get(attr("priority")); pv.IsWhollyKnown() && !pv.IsNull() {
		for name := range pv.AsValueMap() {
			p := attr("priority").Index(cty.StringVal(name))
			if !dnsLabelRE.MatchString(name) {
				d.errorf(p, "Invalid priority name", "%q cannot name a PriorityClass; use lower-case letters, digits and dashes.", name)
				continue
			}
			val := d.count(p, 0, -1_000_000_000)
			if val > 1_000_000_000 {
				d.errorf(p, "Invalid priority", "priority %q is %d; user priorities are at most 1000000000.", name, val)
			}
			c.Priority[name] = val
		}
	}
	q := attr("quota")
	c.Quota.GPUs = d.count(q.GetAttr("gpus"), 0, 0)
	c.Quota.CPUs = d.count(q.GetAttr("cpus"), 0, 0)
	c.Quota.Memory = d.str(q.GetAttr("memory"), "")
	if c.Quota.Memory != "" {
		if _, err := resource.ParseQuantity(c.Quota.Memory); err != nil {
			d.errorf(q.GetAttr("memory"), "Invalid memory", `quota.memory is %q; write a size like "512Gi" or "64G".`, c.Quota.Memory)
		}
	}
	pv := d.get(attr("pool"))
	if pv.IsKnown() && !pv.IsNull() {
		for name, b := range pv.AsValueMap() {
			c.Pools[name] = decodePool(d, name, b)
		}
	}
	c.Unknown = d.unknown
	sort.Strings(c.Unknown)
	return c, d.diags
}

func decodePool(outer *decoder, name string, v cty.Value) poolConfig {
	base := attr("pool").Index(cty.StringVal(name))
	d := &decoder{v: v}
	pc := poolConfig{
		Name:             name,
		GPUsPerNode:      d.count(attr("gpus_per_node"), 0, 0),
		GPUResource:      d.str(attr("gpu_resource"), defaultGPUResource),
		NodeSelector:     d.strMap(attr("node_selector")),
		Tolerations:      d.mapList(attr("tolerations")),
		Capacity:         d.str(attr("capacity"), "on-demand"),
		InstanceTypes:    d.strList(attr("instance_types")),
		MaxNodes:         d.count(attr("max_nodes"), defaultMaxNodes, 1),
		ConsolidateAfter: d.duration(attr("consolidate_after"), 5*time.Minute),
		NodeClass:        d.str(attr("node_class"), "default"),
	}
	if !dnsLabelRE.MatchString(name) || len(name) > 30 {
		d.errorf(nil, "Invalid pool name", "pool %q: use at most 30 lower-case letters, digits and dashes; it names Kubernetes objects.", name)
	}
	switch pc.Capacity {
	case "on-demand", "spot", "any":
	default:
		d.errorf(attr("capacity"), "Invalid capacity", `capacity is %q; use "on-demand", "spot" or "any".`, pc.Capacity)
	}
	if errs := validation.IsQualifiedName(pc.GPUResource); len(errs) > 0 {
		d.errorf(attr("gpu_resource"), "Invalid gpu_resource", "%q is not a resource name: %s.", pc.GPUResource, errs[0])
	}
	for k, val := range pc.NodeSelector {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			d.errorf(attr("node_selector").Index(cty.StringVal(k)), "Invalid node label", "%q is not a label key: %s.", k, errs[0])
		}
		if errs := validation.IsValidLabelValue(val); len(errs) > 0 {
			d.errorf(attr("node_selector").Index(cty.StringVal(k)), "Invalid node label value", "%q is not a label value: %s.", val, errs[0])
		}
	}
	checkTolerations(d, attr("tolerations"), pc.Tolerations)
	for _, x := range d.diags {
		x.Attribute = append(append(cty.Path{}, base...), x.Attribute...)
		outer.diags = append(outer.diags, x)
	}
	for _, u := range d.unknown {
		outer.unknown = append(outer.unknown, pathString(base)+"."+u)
	}
	return pc
}

func checkTolerations(d *decoder, p cty.Path, ts []map[string]string) {
	for i, t := range ts {
		for k := range t {
			switch k {
			case "key", "operator", "value", "effect", "toleration_seconds":
			default:
				d.errorf(p.IndexInt(i), "Invalid toleration", "toleration %d has %q; use key, operator, value, effect and toleration_seconds.", i, k)
			}
		}
		switch t["operator"] {
		case "", "Equal", "Exists":
		default:
			d.errorf(p.IndexInt(i), "Invalid toleration", `toleration %d has operator %q; use "Equal" or "Exists".`, i, t["operator"])
		}
		switch t["effect"] {
		case "", "NoSchedule", "PreferNoSchedule", "NoExecute":
		default:
			d.errorf(p.IndexInt(i), "Invalid toleration", `toleration %d has effect %q; use "NoSchedule", "PreferNoSchedule" or "NoExecute".`, i, t["effect"])
		}
	}
}
