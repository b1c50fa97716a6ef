package kubernetes

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/zclconf/go-cty/cty"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/sdk"
)

// clusterState is what planning and applying a cluster work from.
type clusterState struct {
	conn    *conn
	config  *clusterConfig
	spec    *clusterSpec
	objects []object
	skipped []string
}

func (p *Provider) clusterState(ctx context.Context, address string, config cty.Value) (*clusterState, providers.Diagnostics) {
	cfg, diags := decodeCluster(config)
	if diags.HasErrors() {
		return nil, diags
	}
	c, err := p.connection()
	if err != nil {
		return nil, append(diags, connDiags(err)...)
	}
	ns := cfg.Namespace
	if ns == "" {
		ns = c.namespace
	}
	spec := &clusterSpec{Address: address, Namespace: ns, Config: cfg}
	if spec.Karpenter, err = c.served(ctx, gvrNodePool); err == nil {
		spec.Kueue, err = c.served(ctx, gvrClusterQueue)
	}
	if err != nil {
		return nil, append(diags, connDiags(fmt.Errorf("cannot list the APIs of %s: %s", c.server, explain(err)))...)
	}
	objs, skipped := spec.objects()
	return &clusterState{conn: c, config: cfg, spec: spec, objects: objs, skipped: skipped}, diags
}

// clusterKind is the cluster kind: a namespace with its quotas,
// priorities and pools.
func (p *Provider) clusterKind() *sdk.Kind {
	return &sdk.Kind{
		Schema:  clusterSchema(),
		Version: 1,
		Validate: func(ctx context.Context, config cty.Value) providers.Diagnostics {
			_, diags := decodeCluster(config)
			return diags
		},
		Plan:   p.planCluster,
		Create: p.applyCluster,
		Update: p.applyCluster,
		Delete: p.destroyCluster,
		Read:   p.readCluster,
	}
}

func (p *Provider) planCluster(ctx context.Context, pl *sdk.Plan) providers.Diagnostics {
	pl.RequiresReplace, pl.Reasons = nil, nil
	st, diags := p.clusterState(ctx, pl.Address, pl.Config)
	if st == nil {
		pl.Planned = cty.UnknownVal(clusterSchema().ImpliedType())
		return diags
	}
	facts := clusterFacts{CreatedNS: cty.UnknownVal(cty.Bool), Nodes: cty.UnknownVal(cty.Number), GPUs: cty.UnknownVal(cty.Number)}
	if !pl.Create() {
		facts.CreatedNS = ctyval.Get(pl.Prior, ctyval.Attr("created_ns"))
		facts.Nodes = ctyval.Get(pl.Prior, ctyval.Attr("nodes"))
		facts.GPUs = ctyval.Get(pl.Prior, ctyval.Attr("gpus"))
		facts.PoolObserved = priorPoolObserved(pl.Prior)
		if prevNS := ctyval.Get(pl.Prior, ctyval.Attr("namespace")); prevNS.IsKnown() && !prevNS.IsNull() && prevNS.AsString() != st.spec.Namespace {
			pl.RequiresReplace = []cty.Path{ctyval.Attr("namespace")}
			pl.Reasons = append(pl.Reasons, fmt.Sprintf("namespace %s -> %s", prevNS.AsString(), st.spec.Namespace))
		}
	}
	pl.Planned = clusterValue(pl.Config, st, facts)
	pl.Reasons = append(pl.Reasons, "applies "+describeObjects(st.objects))
	for _, s := range st.skipped {
		pl.Reasons = append(pl.Reasons, "skips "+s)
	}
	return diags
}

// clusterFacts are the observed parts of a cluster value.
type clusterFacts struct {
	CreatedNS, Nodes, GPUs cty.Value
	// PoolObserved holds nodes and allocatable_gpus by pool.
	PoolObserved map[string][2]cty.Value
}

func priorPoolObserved(prior cty.Value) map[string][2]cty.Value {
	out := map[string][2]cty.Value{}
	pv := ctyval.Get(prior, ctyval.Attr("pool"))
	if pv.IsNull() || !pv.IsKnown() {
		return out
	}
	for name, v := range pv.AsValueMap() {
		out[name] = [2]cty.Value{ctyval.Get(v, ctyval.Attr("nodes")), ctyval.Get(v, ctyval.Attr("allocatable_gpus"))}
	}
	return out
}

func numOr(v cty.Value) cty.Value {
	if v.Type() == cty.DynamicPseudoType {
		if v.IsKnown() {
			return cty.NullVal(cty.Number)
		}
		return cty.UnknownVal(cty.Number)
	}
	return v
}

func clusterValue(config cty.Value, st *clusterState, f clusterFacts) cty.Value {
	s := st.spec
	id := s.idOn(st.conn.server)
	skipped := cty.ListValEmpty(cty.String)
	if len(st.skipped) > 0 {
		vs := make([]cty.Value, len(st.skipped))
		for i, x := range st.skipped {
			vs[i] = cty.StringVal(x)
		}
		skipped = cty.ListVal(vs)
	}
	pcs := map[string]cty.Value{}
	for name := range st.config.Priority {
		pcs[name] = cty.StringVal(s.priorityClassName(name))
	}
	pcVal := cty.MapValEmpty(cty.String)
	if len(pcs) > 0 {
		pcVal = cty.MapVal(pcs)
	}
	ety := clusterSchema().Blocks["pool"].Block.ImpliedType()
	poolVal := cty.MapValEmpty(ety)
	if pv := ctyval.Get(config, ctyval.Attr("pool")); !pv.IsNull() && pv.IsKnown() && pv.LengthInt() > 0 {
		m := map[string]cty.Value{}
		for name, cfgPool := range pv.AsValueMap() {
			pc := st.config.Pools[name]
			queue, nodePool := cty.NullVal(cty.String), cty.NullVal(cty.String)
			if s.Kueue {
				queue = cty.StringVal(localQueueName)
			}
			if s.Karpenter {
				nodePool = cty.StringVal(s.nodePoolName(name))
			}
			obs, ok := f.PoolObserved[name]
			if !ok {
				obs = [2]cty.Value{cty.UnknownVal(cty.Number), cty.UnknownVal(cty.Number)}
			}
			slots := pc.MaxNodes * max(pc.GPUsPerNode, 1)
			vals := map[string]cty.Value{
				"name":             cty.StringVal(name),
				"cluster_id":       id,
				"provider":         cty.StringVal(providerName),
				"namespace":        cty.StringVal(s.Namespace),
				"slots":            cty.NumberIntVal(int64(slots)),
				"gpus":             cty.NumberIntVal(int64(pc.GPUsPerNode)),
				"queue":            queue,
				"node_pool":        nodePool,
				"service_account":  cty.StringVal(trainingAccount),
				"priority_classes": pcVal,
				"nodes":            numOr(obs[0]),
				"allocatable_gpus": numOr(obs[1]),
			}
			m[name] = ctyval.With(cfgPool, vals)
		}
		poolVal = cty.MapVal(m)
	}
	return ctyval.With(config, map[string]cty.Value{
		"namespace":  cty.StringVal(s.Namespace),
		"id":         id,
		"server":     cty.StringVal(st.conn.server),
		"nodes":      numOr(f.Nodes),
		"gpus":       numOr(f.GPUs),
		"karpenter":  cty.BoolVal(s.Karpenter),
		"kueue":      cty.BoolVal(s.Kueue),
		"skipped":    skipped,
		"created_ns": f.CreatedNS,
		"pool":       poolVal,
	})
}

func (s *clusterSpec) idOn(server string) cty.Value {
	return cty.StringVal(strings.TrimRight(server, "/") + "/namespaces/" + s.Namespace)
}

func (p *Provider) applyCluster(ctx context.Context, req *sdk.Change) (cty.Value, providers.Diagnostics) {
	st, diags := p.clusterState(ctx, req.Address, req.Config)
	if st == nil {
		return cty.NilVal, diags
	}
	c := st.conn
	created := ctyval.Get(req.Prior, ctyval.Attr("created_ns"))
	if req.Prior.IsNull() || !created.IsKnown() || created.IsNull() {
		_, err := c.typed.CoreV1().Namespaces().Get(ctx, st.spec.Namespace, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			created = cty.True
		case err != nil:
			return cty.NilVal, diags.Errorf("Cannot read the namespace", "%s", explain(err))
		default:
			created = cty.False
		}
	}
	for _, o := range st.objects {
		req.Progress(providers.Progress{Message: "applying " + o.About})
		if _, err := c.apply(ctx, o.GVR, o.Obj); err != nil {
			return req.Prior, diags.Errorf("Cannot apply the cluster's objects", "%s", explain(err))
		}
	}
	if err := p.prune(ctx, st); err != nil {
		diags = diags.Errorf("Cannot delete objects the cluster no longer needs", "%s", explain(err))
	}
	facts := clusterFacts{CreatedNS: created}
	if err := observe(ctx, c, st, &facts); err != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Cannot observe the cluster's nodes", Detail: explain(err)})
	}
	return clusterValue(req.Config, st, facts), diags
}

// prune deletes the objects of the cluster that its configuration no
// longer asks for: PriorityClasses, NodePools and ResourceFlavors of
// removed priorities and pools, and a removed quota.
func (p *Provider) prune(ctx context.Context, st *clusterState) error {
	want := map[string]bool{}
	for _, o := range st.objects {
		want[o.GVR.Resource+"/"+o.Obj.GetName()] = true
	}
	sel := labels.SelectorFromSet(st.spec.labels()).String()
	kinds := []gvr{gvrPriorityClass}
	if st.spec.Karpenter {
		kinds = append(kinds, gvrNodePool)
	}
	if st.spec.Kueue {
		kinds = append(kinds, gvrResourceFlavor)
	}
	for _, g := range kinds {
		list, err := st.conn.dyn.Resource(g).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return err
		}
		for _, item := range list.Items {
			if !want[g.Resource+"/"+item.GetName()] {
				if err := st.conn.remove(ctx, g, "", item.GetName()); err != nil {
					return err
				}
			}
		}
	}
	for _, o := range []struct {
		g    gvr
		name string
	}{{gvrResourceQuota, quotaName}, {gvrLimitRange, limitRangeName}} {
		if !want[o.g.Resource+"/"+o.name] {
			if err := st.conn.remove(ctx, o.g, st.spec.Namespace, o.name); err != nil {
				return err
			}
		}
	}
	return nil
}

// observe counts the nodes and allocatable GPUs of each pool.
func observe(ctx context.Context, c *conn, st *clusterState, f *clusterFacts) error {
	nodes, err := c.typed.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		f.Nodes, f.GPUs = cty.NullVal(cty.Number), cty.NullVal(cty.Number)
		f.PoolObserved = map[string][2]cty.Value{}
		for name := range st.config.Pools {
			f.PoolObserved[name] = [2]cty.Value{cty.NullVal(cty.Number), cty.NullVal(cty.Number)}
		}
		return err
	}
	f.PoolObserved = map[string][2]cty.Value{}
	seen := map[string]bool{}
	var totalGPUs int64
	for name, pc := range st.config.Pools {
		sel := map[string]string{}
		for k, v := range pc.NodeSelector {
			sel[k] = v
		}
		if st.spec.Karpenter {
			sel[labelNodePool] = st.spec.nodePoolName(name)
		}
		var n, gpus int64
		for i := range nodes.Items {
			node := &nodes.Items[i]
			if !labels.SelectorFromSet(sel).Matches(labels.Set(node.Labels)) {
				continue
			}
			q := node.Status.Allocatable[corev1.ResourceName(pc.GPUResource)]
			if len(sel) == 0 && pc.GPUsPerNode > 0 && q.IsZero() {
				continue // a GPU pool without a selector is the nodes with GPUs
			}
			n++
			gpus += q.Value()
			if !seen[node.Name] {
				seen[node.Name] = true
				totalGPUs += q.Value()
			}
		}
		f.PoolObserved[name] = [2]cty.Value{cty.NumberIntVal(n), cty.NumberIntVal(gpus)}
	}
	f.Nodes = cty.NumberIntVal(int64(len(seen)))
	f.GPUs = cty.NumberVal(new(big.Float).SetInt64(totalGPUs))
	return nil
}

func (p *Provider) readCluster(ctx context.Context, req *sdk.Read) (cty.Value, providers.Diagnostics) {
	st, diags := p.clusterState(ctx, req.Address, req.Current)
	if st == nil {
		return req.Current, diags
	}
	ns, err := st.conn.typed.CoreV1().Namespaces().Get(ctx, st.spec.Namespace, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || err == nil && ns.DeletionTimestamp != nil {
		return cty.NullVal(req.Current.Type()), nil // gone: plan creates it again
	}
	if err != nil {
		return req.Current, diags.Errorf("Cannot read the namespace", "%s", explain(err))
	}
	facts := clusterFacts{CreatedNS: ctyval.Get(req.Current, ctyval.Attr("created_ns"))}
	if err := observe(ctx, st.conn, st, &facts); err != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Cannot observe the cluster's nodes", Detail: explain(err)})
	}
	return clusterValue(req.Current, st, facts), diags
}

func (p *Provider) destroyCluster(ctx context.Context, req *sdk.Change) providers.Diagnostics {
	st, diags := p.clusterState(ctx, req.Address, req.Prior)
	if st == nil {
		return diags
	}
	c := st.conn
	createdNS := ctyval.Get(req.Prior, ctyval.Attr("created_ns"))
	deleteNS := createdNS.IsKnown() && !createdNS.IsNull() && createdNS.True()
	// Cluster-wide objects first, then the namespace's (all of them at
	// once when the namespace was mltf's).
	var errs []string
	for i := len(st.objects) - 1; i >= 0; i-- {
		o := st.objects[i]
		if o.GVR == gvrNamespace && !deleteNS {
			continue
		}
		if deleteNS && !clusterScoped(o.GVR) {
			continue // goes with the namespace
		}
		req.Progress(providers.Progress{Message: "deleting " + o.About})
		if err := c.remove(ctx, o.GVR, o.Obj.GetNamespace(), o.Obj.GetName()); err != nil {
			errs = append(errs, explain(err))
		}
	}
	if len(errs) > 0 {
		return diags.Errorf("Cannot delete the cluster's objects", "%s", strings.Join(errs, "; "))
	}
	return diags
}
