package plan

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state"
)

// Apply carries out the changes of cs, starting from cs.Prior, and returns
// the new state. Every finished instance goes to hooks.Persist at once.
// When ctx is cancelled no new change starts and in-flight provider calls
// are cancelled (a launched training detaches and stays partial).
func Apply(ctx context.Context, cs *Changeset, provs *Providers, hooks Hooks) (*state.State, hcl.Diagnostics) {
	if hooks == nil {
		hooks = NoHooks{}
	}
	a := &applier{
		cs: cs, provs: provs, hooks: hooks,
		st:      cs.Prior.DeepCopy(),
		changes: map[string]*Change{},
	}
	for _, c := range cs.Changes {
		if c.Deposed == "" {
			a.changes[c.Addr.String()] = c
		}
	}
	if !cs.Applyable {
		return a.st, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "The plan cannot be applied", Detail: "Planning reported errors; fix them and plan again."}}
	}
	g, diags := buildGraph(ctx, cs.Config, provs)
	if diags.HasErrors() {
		return a.st, diags
	}
	a.graph = g
	a.eval = newEvaluator(cs.Config, cs.Variables, false)

	a.applyDeletes(ctx)
	if !cs.Options.Destroy {
		g.walk(ctx, cs.Options.Parallelism, func(n *node) bool {
			var ds hcl.Diagnostics
			switch n.kind {
			case localNode:
				ds = a.eval.evalLocal(n)
			case outputNode:
				ds = a.applyOutput(n)
			case resourceNode:
				ds = a.applyResource(ctx, n)
			}
			a.addDiags(ds)
			return !ds.HasErrors()
		})
		a.destroyDeposed(ctx)
	} else {
		a.st.Outputs = map[string]*state.Output{}
	}
	if ctx.Err() != nil {
		a.addDiags(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Apply interrupted", Detail: "The apply was interrupted. Everything that finished is saved in state; launched runs keep running and the next mltf apply re-attaches to them."}})
	}
	return a.st, variablesMasker(cs.Config, cs.Variables).diags(a.diags)
}

type applier struct {
	cs      *Changeset
	provs   *Providers
	hooks   Hooks
	graph   *graph
	eval    *evaluator
	changes map[string]*Change

	mu      sync.Mutex
	st      *state.State
	diags   hcl.Diagnostics
	deposed []deposed
}

func (a *applier) addDiags(ds hcl.Diagnostics) {
	if len(ds) == 0 {
		return
	}
	a.mu.Lock()
	a.diags = append(a.diags, ds...)
	a.mu.Unlock()
}

// persist records an instance in the new state and hands it to the hooks.
// The instance keeps the deposed objects it has in the new state.
func (a *applier) persist(ia lang.InstanceAddr, provider string, inst *state.Instance) {
	a.mu.Lock()
	if old := a.st.Instance(ia.Resource.String(), string(ia.Key)); old != nil && inst != nil && inst.Deposed == nil {
		// Shared, never changed in place: persistDeposed copies.
		inst.Deposed = old.Deposed
	}
	a.persistLocked(ia, provider, inst)
}

// persistDeposed records the deposed object dk of an instance in the new
// state (a nil obj removes it) and hands the instance to the hooks.
func (a *applier) persistDeposed(ia lang.InstanceAddr, provider, dk string, obj *state.Instance) {
	a.mu.Lock()
	cur := a.st.Instance(ia.Resource.String(), string(ia.Key))
	if cur == nil {
		a.mu.Unlock()
		return
	}
	inst := cur.DeepCopy()
	if obj == nil {
		delete(inst.Deposed, dk)
	} else {
		if inst.Deposed == nil {
			inst.Deposed = map[string]*state.Instance{}
		}
		inst.Deposed[dk] = obj
	}
	if len(inst.Deposed) == 0 {
		inst.Deposed = nil
	}
	a.persistLocked(ia, provider, inst)
}

// persistLocked is persist with a.mu held; it unlocks it.
func (a *applier) persistLocked(ia lang.InstanceAddr, provider string, inst *state.Instance) {
	a.st.SetInstance(ia.Resource.String(), ia.Resource.Kind, ia.Resource.Name, provider, string(ia.Key), inst)
	res := a.st.Resources[ia.Resource.String()]
	if res == nil {
		res = &state.Resource{Addr: ia.Resource.String(), Kind: ia.Resource.Kind, Name: ia.Resource.Name, Provider: provider}
	}
	hdr := &state.Resource{Addr: res.Addr, Kind: res.Kind, Name: res.Name, Provider: res.Provider}
	a.mu.Unlock()
	a.hooks.Persist(hdr, string(ia.Key), inst)
}

// applyDeletes destroys the instances planned for deletion, dependents
// before what they depend on.
func (a *applier) applyDeletes(ctx context.Context) {
	var dels []*Change
	for _, c := range a.cs.Changes {
		if c.Action == Delete {
			dels = append(dels, c)
		}
	}
	if len(dels) == 0 {
		return
	}
	// Reuse the walker: one node per deletion, depending on the deletions
	// of the instances that depended on it.
	g := &graph{byKey: map[string]*node{}}
	byRes := map[string][]*node{}
	nodeChange := map[*node]*Change{}
	byInst := map[string]*node{}
	for _, c := range dels {
		n := &node{kind: resourceNode, key: c.Key()}
		g.add(n)
		nodeChange[n] = c
		byRes[c.Addr.Resource.String()] = append(byRes[c.Addr.Resource.String()], n)
		if c.Deposed == "" {
			byInst[c.Addr.String()] = n
		}
	}
	for _, n := range g.nodes {
		// An instance's deposed objects go before the instance itself.
		if c := nodeChange[n]; c.Deposed != "" {
			if cur := byInst[c.Addr.String()]; cur != nil {
				cur.deps = append(cur.deps, n)
			}
		}
	}
	for _, n := range g.nodes {
		for _, dep := range nodeChange[n].Dependencies {
			for _, target := range byRes[dep] {
				if target != n {
					target.deps = append(target.deps, n) // delete n first
				}
			}
		}
	}
	g.walk(ctx, a.cs.Options.Parallelism, func(n *node) bool {
		c := nodeChange[n]
		ds := a.destroy(ctx, c)
		a.addDiags(ds)
		return !ds.HasErrors()
	})
}

func (a *applier) destroy(ctx context.Context, c *Change) hcl.Diagnostics {
	a.hooks.Started(c)
	iface, _, diags := a.provs.configured(ctx, c.Provider, a.cs.Config, a.eval.providerContext)
	if diags.HasErrors() {
		a.hooks.Finished(c, diags)
		return diags
	}
	ds := a.destroyWith(ctx, iface, c)
	a.hooks.Finished(c, ds)
	return ds
}

func (a *applier) destroyWith(ctx context.Context, iface providers.Interface, c *Change) hcl.Diagnostics {
	if c.Deposed == "" {
		a.mu.Lock()
		inst := a.st.Instance(c.Addr.Resource.String(), string(c.Addr.Key))
		left := inst != nil && len(inst.Deposed) > 0
		a.mu.Unlock()
		if left {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  c.Addr.String() + " still has deposed objects",
				Detail:   "The old objects of an earlier create_before_destroy replacement are destroyed before the instance, and not all of them could be. Fix what kept them (see the errors above) and apply again.",
				Subject:  a.rangeOf(c.Addr),
			}}
		}
	}
	mask := newMasker(markPaths(c.Before, c.Sensitive))
	resp := iface.ApplyChange(ctx, providers.ApplyChangeRequest{
		Kind: c.Addr.Resource.Kind, Address: c.Addr.String(),
		Prior: c.Before, PriorPrivate: c.BeforePrivate,
		Planned:   cty.NullVal(c.Before.Type()),
		Config:    cty.NullVal(c.Before.Type()),
		Sensitive: c.Sensitive,
		Events:    func(ev providers.Event) { a.hooks.Event(c, mask.event(ev)) },
	})
	diags := mask.diags(providerDiags(c.Provider, c.Key(), resp.Diagnostics, fixedRange(a.rangeOf(c.Addr))))
	switch {
	case resp.Diagnostics.HasErrors():
	case c.Deposed != "":
		a.persistDeposed(c.Addr, c.Provider, c.Deposed, nil)
	default:
		a.persist(c.Addr, c.Provider, nil)
	}
	return diags
}

func (a *applier) rangeOf(ia lang.InstanceAddr) *hcl.Range {
	if r, ok := a.cs.Config.Resources[ia.Resource.String()]; ok {
		return r.DeclRange.Ptr()
	}
	return nil
}

func (a *applier) applyOutput(n *node) hcl.Diagnostics {
	o := n.output
	v, diags := o.Expr.Value(a.eval.context(n.refs, repetition{}))
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return nil
	}
	val, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot store output " + o.Name, Detail: err.Error(), Subject: o.Expr.Range().Ptr()}}
	}
	ty, _ := v.Type().MarshalJSON()
	a.mu.Lock()
	a.st.Outputs[o.Name] = &state.Output{Value: val, Type: ty, Sensitive: o.Sensitive}
	a.mu.Unlock()
	return nil
}

func (a *applier) applyResource(ctx context.Context, n *node) hcl.Diagnostics {
	r := n.res
	keys, reps, diags := a.eval.instanceKeys(r)
	if diags.HasErrors() {
		return diags
	}
	iface, _, ds := a.provs.configured(ctx, n.provider, a.cs.Config, a.eval.providerContext)
	if ds.HasErrors() {
		return withSubject(ds, r.DeclRange)
	}
	ty := n.ty
	vals := make(map[lang.InstanceKey]cty.Value, len(keys))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, key := range keys {
		ia := lang.InstanceAddr{Resource: r.Addr(), Key: key}
		c := a.changes[ia.String()]
		if c == nil || c.Action == NoOp || c.Action == Delete {
			v := a.currentValue(ia, ty)
			mu.Lock() // instances started above may be writing vals
			vals[key] = v
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func(key lang.InstanceKey, c *Change) {
			defer wg.Done()
			v, ds := a.applyInstance(ctx, n, iface, ty, c, reps[key])
			mu.Lock()
			vals[key] = v
			diags = append(diags, ds...)
			mu.Unlock()
		}(key, c)
	}
	wg.Wait()
	a.eval.setResource(r.Addr(), aggregate(r, keys, vals))
	return diags
}

// currentValue is the value of an instance in the new state.
func (a *applier) currentValue(ia lang.InstanceAddr, ty cty.Type) cty.Value {
	a.mu.Lock()
	inst := a.st.Instance(ia.Resource.String(), string(ia.Key))
	a.mu.Unlock()
	if inst == nil {
		return cty.NullVal(ty)
	}
	v, err := decodeInstance(inst, ty, a.graph.byKey[ia.Resource.String()].version)
	if err != nil {
		return cty.UnknownVal(ty)
	}
	return markPaths(v, inst.Sensitive)
}

func (a *applier) applyInstance(ctx context.Context, n *node, iface providers.Interface, ty cty.Type, c *Change, rep repetition) (cty.Value, hcl.Diagnostics) {
	r := n.res
	a.hooks.Started(c)
	v, diags := a.applyInstanceWith(ctx, n, iface, ty, c, rep)
	a.hooks.Finished(c, diags)
	_ = r
	return v, diags
}

func (a *applier) applyInstanceWith(ctx context.Context, n *node, iface providers.Interface, ty cty.Type, c *Change, rep repetition) (cty.Value, hcl.Diagnostics) {
	r := n.res
	rng := r.DeclRange.Ptr()
	config, diags := hcldec.Decode(r.Config, n.spec, a.eval.context(n.refs, rep))
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	// What the state records as sensitive: the configuration's marks now
	// and the kind's sensitive attributes.
	config, sensitive := unmarkSensitive(config, n.sensitive)
	config = n.schema.Normalize(config)
	config = a.eval.deferExpressions(a.cs.Config, config, r, n.schema, rep)

	prior, priorPrivate := c.Before, c.BeforePrivate
	mask := newMasker(markPaths(config, sensitive), markPaths(prior, c.Sensitive))
	if prior == cty.NilVal {
		prior = cty.NullVal(ty)
	}
	if !prior.IsNull() {
		config = applyIgnoreChanges(config, prior, r.Lifecycle)
	}
	if c.Action.IsReplace() {
		prior, priorPrivate = cty.NullVal(ty), nil
	}

	// Plan again now that every value this instance refers to is known,
	// and hold the final plan to the approved one before anything changes.
	presp := iface.PlanChange(ctx, providers.PlanChangeRequest{
		Kind: r.Kind, Address: c.Addr.String(),
		Prior: prior, PriorPrivate: priorPrivate,
		Config: config, Proposed: proposedNew(n.schema, prior, config),
	})
	diags = append(diags, mask.diags(providerDiags(n.provider, c.Addr.String(), presp.Diagnostics, n.rangeAt))...)
	if presp.Diagnostics.HasErrors() {
		return cty.DynamicVal, diags
	}
	if diffs := planDifferences(c.After, presp.Planned); len(diffs) > 0 {
		return cty.DynamicVal, append(diags, mask.diags(hcl.Diagnostics{inconsistentPlanDiag(c, n.provider, diffs, rng)})...)
	}
	plannedPrivate := presp.PlannedPrivate
	if approved, _ := c.After.UnmarkDeep(); approved.RawEquals(presp.Planned) {
		// Nothing became known since the plan: apply the approved plan's
		// private data, not a recomputation of it.
		plannedPrivate = c.AfterPrivate
	}
	if c.Action == DeleteThenCreate {
		if ds := a.destroyWith(ctx, iface, c); ds.HasErrors() {
			return cty.DynamicVal, append(diags, ds...)
		}
	}

	deps := append([]string(nil), c.Dependencies...)
	var launched atomic.Bool // a partial instance is in state
	resp := iface.ApplyChange(ctx, providers.ApplyChangeRequest{
		Kind: r.Kind, Address: c.Addr.String(),
		Prior: prior, PriorPrivate: priorPrivate,
		Planned: presp.Planned, PlannedPrivate: plannedPrivate,
		Config: config, Sensitive: sensitive,
		Events: func(ev providers.Event) {
			if ev.Type == providers.EventPartial && ev.Partial != cty.NilVal && ev.Partial.IsWhollyKnown() {
				if b, err := encodeInstance(ev.Partial, ty); err == nil {
					a.persist(c.Addr, n.provider, &state.Instance{Status: state.Partial, SchemaVersion: n.version, Attributes: b, Private: ev.PartialPrivate, Dependencies: deps, Sensitive: sensitive})
					launched.Store(true)
				}
			}
			a.hooks.Event(c, mask.event(ev))
		},
	})
	pdiags := mask.diags(providerDiags(n.provider, c.Addr.String(), resp.Diagnostics, n.rangeAt))
	if ctx.Err() != nil && resp.Diagnostics.HasErrors() {
		// Interrupted: a partial instance stays as it is.
		if launched.Load() || c.PriorStatus == state.Partial {
			return cty.DynamicVal, append(diags, Detach(pdiags)...)
		}
		return cty.DynamicVal, append(diags, pdiags...)
	}
	diags = append(diags, pdiags...)
	newVal := resp.New
	if newVal == cty.NilVal || newVal.IsNull() {
		if !resp.Diagnostics.HasErrors() {
			a.persist(c.Addr, n.provider, nil)
		}
		return cty.NullVal(ty), diags
	}
	if !newVal.IsWhollyKnown() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Provider %q returned unknown values for %s", n.provider, c.Addr),
			Detail:   "After apply every value must be known. This is a bug in the provider; report it to its authors.",
			Subject:  rng,
		})
		return cty.DynamicVal, diags
	}
	if newVal.Type().TestConformance(ty) != nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Provider %q returned an invalid value for %s", n.provider, c.Addr),
			Detail:   "The new value does not match the kind's schema. This is a bug in the provider; report it to its authors.",
			Subject:  rng,
		})
		return cty.DynamicVal, diags
	}
	b, err := encodeInstance(newVal, ty)
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot encode the state of " + c.Addr.String(), Detail: err.Error(), Subject: rng})
		return cty.DynamicVal, diags
	}
	status := state.Ready
	if resp.Diagnostics.HasErrors() {
		status = state.Tainted
	}
	a.persist(c.Addr, n.provider, &state.Instance{Status: status, SchemaVersion: n.version, Attributes: b, Private: resp.Private, Dependencies: deps, Sensitive: sensitive})
	if c.Action == CreateThenDelete && !resp.Diagnostics.HasErrors() {
		// The old object goes after everything that referred to it has
		// moved to the new one: at the end of the walk.
		a.mu.Lock()
		a.deposed = append(a.deposed, deposed{change: c, node: n, iface: iface, mask: mask})
		a.mu.Unlock()
	}
	return markPaths(newVal, sensitive), diags
}

// deposed is the old object of a create_before_destroy replacement, whose
// new object is in state and whose destruction waits until the walk ends.
type deposed struct {
	change *Change
	node   *node
	iface  providers.Interface
	mask   *masker
}

// destroyDeposed destroys the old objects of create_before_destroy
// replacements, the last replaced first: a dependent was replaced after
// what it depends on, so its old object goes before theirs. An old object
// that cannot be destroyed stays in state as a deposed object of its
// instance, which the next plan shows and the next apply destroys.
func (a *applier) destroyDeposed(ctx context.Context) {
	for i := len(a.deposed) - 1; i >= 0; i-- {
		d := a.deposed[i]
		c := d.change
		resp := d.iface.ApplyChange(ctx, providers.ApplyChangeRequest{
			Kind: c.Addr.Resource.Kind, Address: c.Addr.String(),
			Prior: c.Before, PriorPrivate: c.BeforePrivate,
			Planned: cty.NullVal(d.node.ty), Config: cty.NullVal(d.node.ty),
			Sensitive: c.Sensitive,
		})
		if !resp.Diagnostics.HasErrors() {
			continue
		}
		old := a.cs.Prior.Instance(c.Addr.Resource.String(), string(c.Addr.Key)).DeepCopy()
		if old == nil {
			// Not in the prior state (a re-attached partial create): keep
			// what the plan knew of it.
			b, err := encodeInstance(c.Before, d.node.ty)
			if err != nil {
				b = nil
			}
			old = &state.Instance{Status: state.Ready, SchemaVersion: d.node.version, Attributes: b, Private: c.BeforePrivate, Sensitive: c.Sensitive}
		}
		old.Deposed = nil
		a.mu.Lock()
		dk := "00000000"
		if cur := a.st.Instance(c.Addr.Resource.String(), string(c.Addr.Key)); cur != nil {
			dk = cur.NewDeposedKey()
		}
		a.mu.Unlock()
		a.persistDeposed(c.Addr, d.node.provider, dk, old)
		a.addDiags(d.mask.diags(providerDiags(d.node.provider, c.Addr.String()+" (old object)", resp.Diagnostics, d.node.rangeAt)))
		a.addDiags(hcl.Diagnostics{{
			Severity: hcl.DiagWarning,
			Summary:  fmt.Sprintf("%s: the old object is kept as deposed object %s", c.Addr, dk),
			Detail:   fmt.Sprintf("create_before_destroy made the new object of %s, then could not destroy the old one (see the error). The old object stays in state as deposed object %s: mltf plan and mltf show list it, and the next mltf apply destroys it.", c.Addr, dk),
			Subject:  a.rangeOf(c.Addr),
		}})
	}
}
