package kubernetes

import (
	"regexp"
	"sort"
	"time"

	"github.com/zclconf/go-cty/cty"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
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
	d := &ctyval.Decoder{V: v}
	c := &clusterConfig{Priority: map[string]int{}, Pools: map[string]poolConfig{}}
	c.Namespace = d.Str(ctyval.Attr("namespace"), "")
	if c.Namespace != "" {
		if errs := validation.IsDNS1123Label(c.Namespace); len(errs) > 0 {
			d.Errorf(ctyval.Attr("namespace"), "Invalid namespace", "%q is not a namespace name: %s.", c.Namespace, errs[0])
		}
	}
	if pv := d.Get(ctyval.Attr("priority")); pv.IsWhollyKnown() && !pv.IsNull() {
		for name := range pv.AsValueMap() {
			p := ctyval.Attr("priority").Index(cty.StringVal(name))
			if !dnsLabelRE.MatchString(name) {
				d.Errorf(p, "Invalid priority name", "%q cannot name a PriorityClass; use lower-case letters, digits and dashes.", name)
				continue
			}
			val := d.Count(p, 0, -1_000_000_000)
			if val > 1_000_000_000 {
				d.Errorf(p, "Invalid priority", "priority %q is %d; user priorities are at most 1000000000.", name, val)
			}
			c.Priority[name] = val
		}
	}
	q := ctyval.Attr("quota")
	c.Quota.GPUs = d.Count(q.GetAttr("gpus"), 0, 0)
	c.Quota.CPUs = d.Count(q.GetAttr("cpus"), 0, 0)
	c.Quota.Memory = d.Str(q.GetAttr("memory"), "")
	if c.Quota.Memory != "" {
		if _, err := resource.ParseQuantity(c.Quota.Memory); err != nil {
			d.Errorf(q.GetAttr("memory"), "Invalid memory", `quota.memory is %q; write a size like "512Gi" or "64G".`, c.Quota.Memory)
		}
	}
	pv := d.Get(ctyval.Attr("pool"))
	if pv.IsKnown() && !pv.IsNull() {
		for name, b := range pv.AsValueMap() {
			c.Pools[name] = decodePool(d, name, b)
		}
	}
	c.Unknown = d.Unknown
	sort.Strings(c.Unknown)
	return c, d.Diags
}

func decodePool(outer *ctyval.Decoder, name string, v cty.Value) poolConfig {
	base := ctyval.Attr("pool").Index(cty.StringVal(name))
	d := &ctyval.Decoder{V: v}
	pc := poolConfig{
		Name:             name,
		GPUsPerNode:      d.Count(ctyval.Attr("gpus_per_node"), 0, 0),
		GPUResource:      d.Str(ctyval.Attr("gpu_resource"), defaultGPUResource),
		NodeSelector:     d.StrMap(ctyval.Attr("node_selector")),
		Tolerations:      d.MapList(ctyval.Attr("tolerations")),
		Capacity:         d.Str(ctyval.Attr("capacity"), "on-demand"),
		InstanceTypes:    d.StrList(ctyval.Attr("instance_types")),
		MaxNodes:         d.Count(ctyval.Attr("max_nodes"), defaultMaxNodes, 1),
		ConsolidateAfter: d.Duration(ctyval.Attr("consolidate_after"), 5*time.Minute),
		NodeClass:        d.Str(ctyval.Attr("node_class"), "default"),
	}
	if !dnsLabelRE.MatchString(name) || len(name) > 30 {
		d.Errorf(nil, "Invalid pool name", "pool %q: use at most 30 lower-case letters, digits and dashes; it names Kubernetes objects.", name)
	}
	switch pc.Capacity {
	case "on-demand", "spot", "any":
	default:
		d.Errorf(ctyval.Attr("capacity"), "Invalid capacity", `capacity is %q; use "on-demand", "spot" or "any".`, pc.Capacity)
	}
	if errs := validation.IsQualifiedName(pc.GPUResource); len(errs) > 0 {
		d.Errorf(ctyval.Attr("gpu_resource"), "Invalid gpu_resource", "%q is not a resource name: %s.", pc.GPUResource, errs[0])
	}
	for k, val := range pc.NodeSelector {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			d.Errorf(ctyval.Attr("node_selector").Index(cty.StringVal(k)), "Invalid node label", "%q is not a label key: %s.", k, errs[0])
		}
		if errs := validation.IsValidLabelValue(val); len(errs) > 0 {
			d.Errorf(ctyval.Attr("node_selector").Index(cty.StringVal(k)), "Invalid node label value", "%q is not a label value: %s.", val, errs[0])
		}
	}
	checkTolerations(d, ctyval.Attr("tolerations"), pc.Tolerations)
	for _, x := range d.Diags {
		x.Attribute = append(append(cty.Path{}, base...), x.Attribute...)
		outer.Diags = append(outer.Diags, x)
	}
	for _, u := range d.Unknown {
		outer.Unknown = append(outer.Unknown, schema.FormatPath(base)+"."+u)
	}
	return pc
}

func checkTolerations(d *ctyval.Decoder, p cty.Path, ts []map[string]string) {
	for i, t := range ts {
		for k := range t {
			switch k {
			case "key", "operator", "value", "effect", "toleration_seconds":
			default:
				d.Errorf(p.IndexInt(i), "Invalid toleration", "toleration %d has %q; use key, operator, value, effect and toleration_seconds.", i, k)
			}
		}
		switch t["operator"] {
		case "", "Equal", "Exists":
		default:
			d.Errorf(p.IndexInt(i), "Invalid toleration", `toleration %d has operator %q; use "Equal" or "Exists".`, i, t["operator"])
		}
		switch t["effect"] {
		case "", "NoSchedule", "PreferNoSchedule", "NoExecute":
		default:
			d.Errorf(p.IndexInt(i), "Invalid toleration", `toleration %d has effect %q; use "NoSchedule", "PreferNoSchedule" or "NoExecute".`, i, t["effect"])
		}
	}
}
