package plan

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state"
)

// Plan diffs the configuration against the prior state through the
// providers and returns the changes that would make them agree. It changes
// nothing: refreshing reads objects, and the caller decides what to keep.
func Plan(ctx context.Context, cfg *lang.Config, prior *state.State, provs *Providers, opts Options) (*Changeset, hcl.Diagnostics) {
	if prior == nil {
		prior = state.New()
	}
	p := &Changeset{
		Config:       cfg,
		Variables:    opts.Variables,
		Options:      opts,
		Prior:        prior,
		PriorLineage: prior.Lineage,
		PriorSerial:  prior.Serial,
		Created:      time.Now().UTC(),
	}
	mask := variablesMasker(cfg, opts.Variables)
	diags := validateVariables(cfg, opts.Variables)
	if diags.HasErrors() {
		return p, mask.diags(diags)
	}
	g, ds := buildGraph(ctx, cfg, provs)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return p, mask.diags(diags)
	}
	pl := &planner{
		cfg: cfg, prior: prior, provs: provs, opts: opts, graph: g,
		eval:    newEvaluator(cfg, opts.Variables, true),
		inScope: targetScope(g, opts.Targets),
	}
	pl.walk(ctx)
	pl.planOrphans(ctx)
	pl.planDeposed(ctx)
	diags = append(diags, pl.diags...)
	sort.Slice(pl.changes, func(i, j int) bool {
		a, b := pl.changes[i], pl.changes[j]
		if a.Addr == b.Addr {
			return a.Deposed < b.Deposed
		}
		return lessAddr(a.Addr, b.Addr)
	})
	p.Changes = pl.changes
	p.Outputs = pl.outputs
	p.Drift = pl.drift
	sort.Strings(p.Drift)
	sort.Slice(p.Outputs, func(i, j int) bool { return p.Outputs[i].Name < p.Outputs[j].Name })
	if ctx.Err() != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Planning interrupted", Detail: "The plan was cancelled before it finished; nothing was changed."})
	}
	p.Applyable = !diags.HasErrors()
	return p, mask.diags(diags)
}

type planner struct {
	cfg     *lang.Config
	prior   *state.State
	provs   *Providers
	opts    Options
	graph   *graph
	eval    *evaluator
	inScope map[string]bool // nil when there are no targets

	mu      sync.Mutex
	diags   hcl.Diagnostics
	changes []*Change
	outputs []*OutputChange
	drift   []string
}

func (pl *planner) addDiags(ds hcl.Diagnostics) {
	if len(ds) == 0 {
		return
	}
	pl.mu.Lock()
	pl.diags = append(pl.diags, ds...)
	pl.mu.Unlock()
}

func (pl *planner) walk(ctx context.Context) {
	pl.graph.walk(ctx, pl.opts.Parallelism, func(n *node) bool {
		var ds hcl.Diagnostics
		switch {
		case pl.opts.Destroy && n.kind == localNode:
			// Destroying needs no value that only the objects being
			// destroyed can give (a failed training has no metrics): a
			// local that cannot be evaluated is unknown.
			if ds := pl.eval.evalLocal(n); ds.HasErrors() {
				pl.eval.setLocal(n.local.Name, cty.DynamicVal)
			}
		case n.kind == localNode:
			ds = pl.eval.evalLocal(n)
		case pl.opts.Destroy && n.kind == outputNode:
			pl.destroyOutput(n.output.Name, n.output.Sensitive)
		case n.kind == outputNode:
			ds = pl.planOutput(n)
		case n.kind == resourceNode:
			ds = pl.planResource(ctx, n)
		}
		pl.addDiags(ds)
		return !ds.HasErrors()
	})
}

func (pl *planner) planOutput(n *node) hcl.Diagnostics {
	o := n.output
	v, diags := o.Expr.Value(pl.eval.context(n.refs, repetition{}))
	if diags.HasErrors() {
		return diags
	}
	if v.ContainsMarked() && !o.Sensitive {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Output refers to sensitive values",
			Detail:   fmt.Sprintf("The value of output %q derives from sensitive values. Add sensitive = true to the output to show that you mean to expose it.", o.Name),
			Subject:  o.Expr.Range().Ptr(),
		}}
	}
	v, _ = v.UnmarkDeep()
	oc := &OutputChange{Name: o.Name, After: v, Sensitive: o.Sensitive}
	if prev, ok := pl.prior.Outputs[o.Name]; ok {
		if pv, err := decodeOutput(prev); err == nil {
			oc.Before = pv
		}
	}
	pl.mu.Lock()
	pl.outputs = append(pl.outputs, oc)
	pl.mu.Unlock()
	return nil
}

// destroyOutput plans the removal of an output without evaluating it.
func (pl *planner) destroyOutput(name string, sensitive bool) {
	oc := &OutputChange{Name: name, After: cty.NullVal(cty.DynamicPseudoType), Sensitive: sensitive, Deleted: true}
	if prev, ok := pl.prior.Outputs[name]; ok {
		if pv, err := decodeOutput(prev); err == nil {
			oc.Before = pv
		}
	}
	pl.mu.Lock()
	pl.outputs = append(pl.outputs, oc)
	pl.mu.Unlock()
}

func decodeOutput(o *state.Output) (cty.Value, error) {
	var ty cty.Type
	if err := ty.UnmarshalJSON(o.Type); err != nil {
		return cty.NilVal, err
	}
	return ctyjson.Unmarshal(o.Value, ty)
}

// planResource expands the resource's instances and plans each.
func (pl *planner) planResource(ctx context.Context, n *node) hcl.Diagnostics {
	r := n.res
	addr := r.Addr()
	keys, reps, diags := pl.eval.instanceKeys(r)
	if diags.HasErrors() {
		return diags
	}
	iface, _, ds := pl.provs.configured(ctx, n.provider, pl.cfg, pl.eval.providerContext)
	if ds.HasErrors() {
		return withSubject(ds, r.DeclRange)
	}
	ty := n.ty
	vals := make(map[lang.InstanceKey]cty.Value, len(keys))
	if len(keys) == 1 {
		// Most resources have one instance: no goroutine (and no fresh
		// stack to grow) for it.
		v, ds := pl.planInstance(ctx, n, iface, ty, keys[0], reps[keys[0]])
		vals[keys[0]] = v
		diags = append(diags, ds...)
	} else {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, key := range keys {
			wg.Add(1)
			go func(key lang.InstanceKey) {
				defer wg.Done()
				v, ds := pl.planInstance(ctx, n, iface, ty, key, reps[key])
				mu.Lock()
				vals[key] = v
				diags = append(diags, ds...)
				mu.Unlock()
			}(key)
		}
		wg.Wait()
	}

	// Instances in state that the configuration no longer expands to.
	if res := pl.prior.Resources[addr.String()]; res != nil {
		for k, inst := range res.Instances {
			key := lang.InstanceKey(k)
			if _, ok := reps[key]; ok {
				continue
			}
			ia := lang.InstanceAddr{Resource: addr, Key: key}
			pl.planDelete(ctx, ia, res.Provider, inst, n.schema, n.version, r.Lifecycle.PreventDestroy, "no longer in the configuration (count or for_each)")
		}
	}
	pl.eval.setResource(addr, aggregate(r, keys, vals))
	return diags
}

// planInstance plans one instance and returns the value references see.
func (pl *planner) planInstance(ctx context.Context, n *node, iface providers.Interface, ty cty.Type, key lang.InstanceKey, rep repetition) (cty.Value, hcl.Diagnostics) {
	r := n.res
	ia := lang.InstanceAddr{Resource: r.Addr(), Key: key}
	c := &Change{Addr: ia, Provider: n.provider, Before: cty.NullVal(ty)}
	for _, d := range n.deps {
		if d.kind == resourceNode {
			c.Dependencies = append(c.Dependencies, d.key)
		}
	}

	var diags hcl.Diagnostics
	inst := pl.prior.Instance(r.Addr().String(), string(key))
	inScope := pl.targeted(ia)
	planning := !pl.opts.Destroy && inScope
	var (
		raw     cty.Value // the configuration, before ignore_changes
		rawDiag hcl.Diagnostics
		resp    providers.PlanChangeResponse
		planned bool // resp is the plan, made with the refresh
	)
	var v cty.Value // the prior value
	if inst != nil {
		var err error
		v, err = decodeInstance(inst, ty, n.version)
		if err != nil {
			return cty.DynamicVal, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Cannot read the state of " + ia.String(),
				Detail:   fmt.Sprintf("The stored attributes do not match the schema of kind %q: %s. Inspect it with mltf state show %s; mltf state rm forgets it.", r.Kind, err, ia),
				Subject:  r.DeclRange.Ptr(),
			}}
		}
		c.Before, c.BeforePrivate, c.PriorStatus = v, inst.Private, inst.Status
		c.Sensitive = inst.Sensitive
	}
	if planning {
		c.References = n.references
		raw, rawDiag = pl.instanceConfig(n, rep, c)
	}
	if inst != nil && pl.opts.Refresh && !pl.opts.Destroy {
		// A refresh usually leaves the value as it was: plan against
		// the prior value in the same call, and again only when the
		// refresh changed it.
		req := providers.RefreshPlanRequest{Kind: r.Kind, Address: ia.String(), Current: v, Private: inst.Private}
		var rp providers.RefreshPlanResponse
		if planning && !rawDiag.HasErrors() {
			req.Config = applyIgnoreChanges(raw, v, r.Lifecycle)
			req.Proposed = proposedNew(n.schema, v, req.Config)
			rp = providers.RefreshPlan(ctx, iface, req)
		} else {
			rp.Read = iface.Read(ctx, providers.ReadRequest{Kind: r.Kind, Address: req.Address, Current: v, Private: inst.Private})
		}
		diags = append(diags, providerDiags(n.provider, ia.String(), rp.Read.Diagnostics, n.rangeAt)...)
		if rp.Read.Diagnostics.HasErrors() {
			return cty.DynamicVal, diags
		}
		if rp.Read.New == cty.NilVal || rp.Read.New.IsNull() {
			pl.noteDrift(ia.String() + " is gone: it will be created again")
			c.Before, c.BeforePrivate, c.PriorStatus = cty.NullVal(ty), nil, ""
		} else {
			// A plan made with the refresh means it left the value as it was.
			if !rp.Planned && !rp.Read.New.RawEquals(v) {
				pl.noteDrift(ia.String() + " changed outside mltf")
			}
			c.Before, c.BeforePrivate = rp.Read.New, rp.Read.Private
		}
		resp, planned = rp.Plan, rp.Planned
	}

	if !planning {
		// Out of the targets (or destroying): the prior value stands.
		if pl.opts.Destroy && !c.Before.IsNull() {
			pl.planDelete(ctx, ia, n.provider, inst, n.schema, n.version, r.Lifecycle.PreventDestroy, "")
		} else if !c.Before.IsNull() {
			c.After, c.AfterPrivate = c.Before, c.BeforePrivate
			pl.addChange(c)
		}
		if c.Before.IsNull() {
			return cty.DynamicVal, diags
		}
		return markPaths(c.Before, c.Sensitive), diags
	}

	diags = append(diags, rawDiag...)
	if rawDiag.HasErrors() {
		return cty.DynamicVal, diags
	}
	config := raw
	if !c.Before.IsNull() {
		config = applyIgnoreChanges(config, c.Before, r.Lifecycle)
	}

	// ValidateConfig is for mltf validate, with values unknown; planning
	// leaves validation of the real values to PlanChange, one call less per
	// instance through the plugin.
	if !planned {
		resp = iface.PlanChange(ctx, providers.PlanChangeRequest{
			Kind: r.Kind, Address: ia.String(),
			Prior: c.Before, PriorPrivate: c.BeforePrivate,
			Config: config, Proposed: proposedNew(n.schema, c.Before, config),
		})
	}
	mask := newMasker(markPaths(config, c.Sensitive), markPaths(c.Before, c.Sensitive))
	diags = append(diags, mask.diags(providerDiags(n.provider, ia.String(), resp.Diagnostics, n.rangeAt))...)
	if resp.Diagnostics.HasErrors() {
		return cty.DynamicVal, diags
	}
	if resp.Planned == cty.NilVal || !resp.Planned.Type().Equals(ty) && !conformsLoosely(resp.Planned, ty) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Provider %q returned an invalid plan for %s", n.provider, ia),
			Detail:   "The planned value does not match the kind's schema. This is a bug in the provider; report it to its authors.",
			Subject:  r.DeclRange.Ptr(),
		})
		return cty.DynamicVal, diags
	}
	c.After, c.AfterPrivate = resp.Planned, resp.PlannedPrivate
	c.RequiresReplace = resp.RequiresReplace
	c.Reasons = resp.Reasons
	c.Action = pl.decideAction(c, ia, r.Lifecycle)
	if c.Action.IsReplace() && r.Lifecycle.PreventDestroy {
		diags = append(diags, preventDestroyDiag(ia, r.DeclRange))
	}
	if c.Action.IsReplace() {
		// A replacement is a new object: its planned value is the plan of a
		// create, which is what apply will plan again and hold to.
		ty := n.schema.ImpliedType()
		cresp := iface.PlanChange(ctx, providers.PlanChangeRequest{
			Kind: r.Kind, Address: ia.String(),
			Prior: cty.NullVal(ty), Config: config, Proposed: proposedNew(n.schema, cty.NullVal(ty), config),
		})
		diags = append(diags, mask.diags(providerDiags(n.provider, ia.String(), cresp.Diagnostics, n.rangeAt))...)
		if cresp.Diagnostics.HasErrors() {
			return cty.DynamicVal, diags
		}
		c.After, c.AfterPrivate = cresp.Planned, cresp.PlannedPrivate
	}
	c.Reasons = maskAll(mask, c.Reasons)
	pl.addChange(c)
	return markPaths(c.After, c.Sensitive), diags
}

// instanceConfig evaluates the instance's configuration as the provider
// sees it, before ignore_changes (which needs the refreshed value). It
// records the configuration's sensitive paths in c.
func (pl *planner) instanceConfig(n *node, rep repetition, c *Change) (cty.Value, hcl.Diagnostics) {
	r := n.res
	config, diags := hcldec.Decode(r.Config, n.spec, pl.eval.context(n.refs, rep))
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	config, c.Sensitive = unmarkSensitive(config, c.Sensitive, n.sensitive)
	config = n.schema.Normalize(config)
	return pl.eval.deferExpressions(pl.cfg, config, r, n.schema, rep), diags
}

// resumable says whether the kind of ia goes on after a failed apply
// rather than being replaced (kinds.Kind.Resumable).
func (pl *planner) resumable(ia lang.InstanceAddr) bool {
	if pl.cfg == nil {
		return false
	}
	k, _ := pl.cfg.Kinds.Lookup(ia.Resource.Kind)
	return k.Resumable
}

// decideAction compares prior and planned values.
func (pl *planner) decideAction(c *Change, ia lang.InstanceAddr, lc lang.Lifecycle) Action {
	replace := DeleteThenCreate
	if lc.CreateBeforeDestroy {
		replace = CreateThenDelete
	}
	switch {
	case c.Before.IsNull():
		return Create
	case pl.forcedReplace(ia):
		c.Reasons = append([]string{"replacement requested with -replace"}, c.Reasons...)
		return replace
	case c.PriorStatus == state.Tainted && !pl.resumable(ia):
		c.Reasons = append([]string{"tainted: its last apply failed"}, c.Reasons...)
		return replace
	}
	for _, p := range c.RequiresReplace {
		if pathChanged(c.Before, c.After, p) {
			return replace
		}
	}
	if c.PriorStatus == state.Partial {
		return Update
	}
	if c.PriorStatus == state.Tainted {
		// A resumable kind goes on from where its failed apply stopped.
		c.Reasons = append([]string{"its last apply failed: it resumes, what finished stays"}, c.Reasons...)
		return Update
	}
	if c.After.RawEquals(c.Before) {
		// Private data alone does not make a change.
		return NoOp
	}
	return Update
}

func (pl *planner) forcedReplace(ia lang.InstanceAddr) bool {
	for _, r := range pl.opts.Replace {
		if r == ia || (r.Key == lang.NoKey && r.Resource == ia.Resource) {
			return true
		}
	}
	return false
}

func (pl *planner) targeted(ia lang.InstanceAddr) bool {
	if pl.inScope == nil {
		return true
	}
	if !pl.inScope[ia.Resource.String()] {
		return false
	}
	// A target naming one instance narrows its own resource to it.
	for _, t := range pl.opts.Targets {
		if t.Resource == ia.Resource && t.Key != lang.NoKey && t.Key != ia.Key {
			named := false
			for _, t2 := range pl.opts.Targets {
				if t2 == ia {
					named = true
				}
			}
			return named
		}
	}
	return true
}

func (pl *planner) addChange(c *Change) {
	pl.mu.Lock()
	pl.changes = append(pl.changes, c)
	pl.mu.Unlock()
}

func (pl *planner) noteDrift(s string) {
	pl.mu.Lock()
	pl.drift = append(pl.drift, s)
	pl.mu.Unlock()
}

// planDelete plans the destruction of an instance known only to state.
func (pl *planner) planDelete(ctx context.Context, ia lang.InstanceAddr, provider string, inst *state.Instance, sch *schema.Block, version int64, preventDestroy bool, reason string) {
	if inst == nil {
		return
	}
	pl.addChange(deleteChange(ia, provider, inst, sch, version, reason))
	if preventDestroy {
		rng := hcl.Range{}
		if r, ok := pl.cfg.Resources[ia.Resource.String()]; ok {
			rng = r.DeclRange
		}
		pl.addDiags(hcl.Diagnostics{preventDestroyDiag(ia, rng)})
	}
}

// planDeposed plans the destruction of every deposed object in the prior
// state (within the targets): old objects of create_before_destroy
// replacements that an earlier apply could not destroy.
func (pl *planner) planDeposed(ctx context.Context) {
	for addr, res := range pl.prior.Resources {
		if pl.inScope != nil && !pl.inScope[addr] {
			continue
		}
		var sch *schema.Block
		var version int64
		for k, inst := range res.Instances {
			if len(inst.Deposed) == 0 {
				continue
			}
			if sch == nil {
				if _, s, ds := pl.provs.Schema(ctx, res.Provider); !ds.HasErrors() {
					if kd, ok := s.Kinds[res.Kind]; ok {
						sch, version = kd.Block, kd.Version
					}
				}
			}
			ia := lang.InstanceAddr{Resource: lang.ResourceAddr{Kind: res.Kind, Name: res.Name}, Key: lang.InstanceKey(k)}
			for dk, obj := range inst.Deposed {
				c := deleteChange(ia, res.Provider, obj, sch, version, "it is the old object of a create_before_destroy replacement, whose destruction failed")
				c.Deposed = dk
				pl.addChange(c)
			}
		}
	}
}

// deleteChange is the change that destroys inst.
func deleteChange(ia lang.InstanceAddr, provider string, inst *state.Instance, sch *schema.Block, version int64, reason string) *Change {
	c := &Change{Addr: ia, Provider: provider, Action: Delete}
	c.PriorStatus = inst.Status
	c.BeforePrivate = inst.Private
	c.Dependencies = inst.Dependencies
	c.Sensitive = inst.Sensitive
	if sch != nil {
		v, err := decodeInstance(inst, sch.ImpliedType(), version)
		if err == nil {
			c.Before = v
			c.After = cty.NullVal(v.Type())
		}
	}
	if c.Before == cty.NilVal {
		c.Before = cty.DynamicVal
		c.After = cty.NullVal(cty.DynamicPseudoType)
	}
	if reason != "" {
		c.Reasons = []string{reason}
	}
	return c
}

// planOrphans plans the destruction of resources that are in state but
// gone from the configuration.
func (pl *planner) planOrphans(ctx context.Context) {
	for addr, res := range pl.prior.Resources {
		if _, ok := pl.cfg.Resources[addr]; ok {
			continue
		}
		if pl.inScope != nil && !pl.inScope[addr] {
			continue
		}
		var sch *schema.Block
		var version int64
		if _, s, ds := pl.provs.Schema(ctx, res.Provider); !ds.HasErrors() {
			if k, ok := s.Kinds[res.Kind]; ok {
				sch, version = k.Block, k.Version
			}
		}
		for k, inst := range res.Instances {
			ia := lang.InstanceAddr{Resource: lang.ResourceAddr{Kind: res.Kind, Name: res.Name}, Key: lang.InstanceKey(k)}
			pl.planDelete(ctx, ia, res.Provider, inst, sch, version, false, "gone from the configuration")
		}
	}
	if !pl.opts.Destroy {
		for name, o := range pl.prior.Outputs {
			if _, ok := pl.cfg.Outputs[name]; ok {
				continue
			}
			oc := &OutputChange{Name: name, Sensitive: o.Sensitive, Deleted: true, After: cty.NullVal(cty.DynamicPseudoType)}
			if v, err := decodeOutput(o); err == nil {
				oc.Before = v
			}
			pl.outputs = append(pl.outputs, oc)
		}
	}
}

func preventDestroyDiag(ia lang.InstanceAddr, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Instance cannot be destroyed",
		Detail:   fmt.Sprintf("%s has lifecycle.prevent_destroy set, but the plan would destroy it. To go ahead, remove prevent_destroy first; otherwise change the plan (for example undo the change that forces replacement).", ia),
		Subject:  rng.Ptr(),
	}
}

// targetScope is the set of resources the targets name plus everything
// they depend on; nil without targets.
func targetScope(g *graph, targets []lang.InstanceAddr) map[string]bool {
	if len(targets) == 0 {
		return nil
	}
	scope := map[string]bool{}
	var add func(n *node)
	add = func(n *node) {
		if scope[n.key] {
			return
		}
		scope[n.key] = true
		for _, d := range n.deps {
			add(d)
		}
	}
	for _, t := range targets {
		if n := g.byKey[t.Resource.String()]; n != nil {
			add(n)
		} else {
			scope[t.Resource.String()] = true
		}
	}
	return scope
}

func encodeInstance(v cty.Value, ty cty.Type) ([]byte, error) {
	return ctyjson.Marshal(v, ty)
}

// conformsLoosely accepts values whose type differs from the implied type
// only where the schema has dynamic types.
func conformsLoosely(v cty.Value, ty cty.Type) bool {
	return v.Type().TestConformance(ty) == nil
}

func lessAddr(a, b lang.InstanceAddr) bool {
	if a.Resource != b.Resource {
		return a.Resource.String() < b.Resource.String()
	}
	ai, aerr := strconv.Atoi(string(a.Key))
	bi, berr := strconv.Atoi(string(b.Key))
	if aerr == nil && berr == nil {
		return ai < bi
	}
	return a.Key < b.Key
}

// plainReferences finds the top-level attributes of r whose expression is
// nothing but a reference to a resource (or part of one), and the entries of
// top-level maps written as such references (data = { train = dataset.x }
// gives "data.train").
func plainReferences(cfg *lang.Config, r *lang.Resource) map[string]string {
	attrs, diags := r.Config.JustAttributes()
	if diags.HasErrors() {
		// Bodies with blocks: look only at what JustAttributes could read.
		if attrs == nil {
			return nil
		}
	}
	out := map[string]string{}
	reference := func(name string, expr hcl.Expression) {
		t, ds := hcl.AbsTraversalForExpr(expr)
		if ds.HasErrors() {
			return
		}
		if ref, ok := cfg.ParseRef(t); ok && ref.Resource.Kind != "" {
			out[name] = lang.TraversalString(t)
		}
	}
	for name, a := range attrs {
		reference(name, a.Expr)
		if obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr); ok {
			for _, item := range obj.Items {
				key, diags := item.KeyExpr.Value(nil)
				if diags.HasErrors() || !key.IsKnown() || key.IsNull() || key.Type() != cty.String {
					continue
				}
				reference(name+"."+key.AsString(), item.ValueExpr)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
