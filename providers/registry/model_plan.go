package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state/tracking"
)

func (p *Provider) planModel(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	if req.Config.IsNull() {
		return providers.PlanChangeResponse{Planned: req.Config}
	}
	cfg, diags := decodeModel(req.Address, req.Config, false)
	if diags.HasErrors() {
		return providers.PlanChangeResponse{Diagnostics: diags}
	}
	var resp providers.PlanChangeResponse
	prior, priv := req.Prior, decodeModelPrivate(req.PriorPrivate)
	if !prior.IsNull() && stringOr(prior.GetAttr("name"), "") != cfg.Name {
		// Another model: nothing of the old one's aliases carries over.
		resp.RequiresReplace = []cty.Path{cty.GetAttrPath("name")}
		prior, priv = cty.NullVal(prior.Type()), decodeModelPrivate(nil)
	}

	cand, reason, ds := p.planCandidate(ctx, cfg, prior)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return providers.PlanChangeResponse{Diagnostics: diags}
	}
	if reason != "" {
		resp.Reasons = append(resp.Reasons, reason)
	}
	positions, err := p.store.Aliases(ctx, cfg.Name)
	if err != nil {
		return providers.PlanChangeResponse{Diagnostics: diags.FromError("Cannot read the model's aliases", err)}
	}
	if cfg.Pin != 0 {
		if ds := p.checkPin(ctx, cfg, cand); ds.HasErrors() {
			return providers.PlanChangeResponse{Diagnostics: append(diags, ds...)}
		}
	}
	d, ds := p.decide(ctx, cfg, cand, positions, priv)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return providers.PlanChangeResponse{Diagnostics: diags}
	}
	for _, a := range append(append([]aliasDecision(nil), d.Aliases...), d.Removed...) {
		if a.Reason != "" {
			resp.Reasons = append(resp.Reasons, a.Reason)
		}
	}
	resp.Planned = p.modelValue(req.Config, cfg, cand, d, prior)
	resp.PlannedPrivate = req.PriorPrivate
	resp.Diagnostics = diags
	return resp
}

// planCandidate finds the version from's run is (registered) or would be.
// It returns nil while the run is unknown, and the reason to show when a
// version is to be registered.
func (p *Provider) planCandidate(ctx context.Context, cfg modelConfig, prior cty.Value) (*candidate, string, providers.Diagnostics) {
	var diags providers.Diagnostics
	src := p.trainingName(ctx, cfg.RunID, prior)
	if cfg.RunID == "" {
		return nil, fmt.Sprintf("new version from %s (gates evaluated at apply)", src), nil
	}
	v, err := p.store.ModelVersionByRun(ctx, cfg.Name, cfg.RunID)
	switch {
	case err == nil:
		c := &candidate{Facts: factsOf(v), Registered: true}
		if !prior.IsNull() {
			if lv := prior.GetAttr("latest_version"); lv.IsKnown() && !lv.IsNull() && intOf(lv) != int(v.Version) {
				return c, fmt.Sprintf("from is run %s, already version %d", shortID(cfg.RunID), v.Version), nil
			}
		}
		return c, "", nil
	case !errors.Is(err, tracking.ErrNotFound):
		return nil, "", diags.FromError("Cannot read the model registry", err)
	}
	if !runSettled(cfg.From) {
		// The run is still going (re-attached after an interrupted
		// apply): its metrics are not final, so gates wait for apply.
		return nil, fmt.Sprintf("new version from %s run %s… once it finishes (gates evaluated at apply)", src, shortID(cfg.RunID)), nil
	}
	facts, err := p.runFacts(ctx, cfg)
	if err != nil {
		return nil, "", diags.AttrError(cty.GetAttrPath("from"), "Cannot read the training's run", err.Error())
	}
	next := int64(1)
	if latest, err := p.store.LatestModelVersion(ctx, cfg.Name); err == nil {
		next = latest.Version + 1
	}
	facts.Version = next
	return &candidate{Facts: facts}, fmt.Sprintf("new version from %s run %s… (gates evaluated at apply)", src, shortID(cfg.RunID)), nil
}

// trainingName names the training a model comes from, for reasons: its
// address from the tracking store when a run of it is known.
func (p *Provider) trainingName(ctx context.Context, runID string, prior cty.Value) string {
	ids := []string{runID}
	if !prior.IsNull() {
		if f := prior.GetAttr("from"); f.IsKnown() && !f.IsNull() && f.Type().IsObjectType() && f.Type().HasAttribute("run_id") {
			ids = append(ids, stringOr(f.GetAttr("run_id"), ""))
		}
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if r, err := p.store.GetRun(ctx, id); err == nil && r.Address != "" {
			return r.Address
		}
	}
	return "the training's new run"
}

// checkPin refuses a pin to a version that does not exist (and will not
// be registered by this apply).
func (p *Provider) checkPin(ctx context.Context, cfg modelConfig, cand *candidate) providers.Diagnostics {
	var diags providers.Diagnostics
	if cand == nil || (!cand.Registered && cand.Facts.Version == cfg.Pin) {
		return nil
	}
	if _, err := p.store.GetModelVersion(ctx, cfg.Name, cfg.Pin); err != nil {
		if !errors.Is(err, tracking.ErrNotFound) {
			return diags.FromError("Cannot read the model registry", err)
		}
		latest := "it has no versions yet"
		if l, err := p.store.LatestModelVersion(ctx, cfg.Name); err == nil {
			latest = fmt.Sprintf("its versions are 1 to %d", l.Version)
		}
		return diags.AttrError(cty.GetAttrPath("version"), "No such version",
			fmt.Sprintf("version = %d pins the aliases of model %s to a version it does not have: %s. mltf models show %s lists them.", cfg.Pin, cfg.Name, latest, cfg.Name))
	}
	return nil
}

// runFacts are the candidate's facts from from's value and its run in the
// tracking store.
func (p *Provider) runFacts(ctx context.Context, cfg modelConfig) (versionFacts, error) {
	r, err := p.store.GetRun(ctx, cfg.RunID)
	if err != nil {
		if errors.Is(err, tracking.ErrNotFound) {
			return versionFacts{}, fmt.Errorf("run %s of from is not in the tracking store %s; a model version's lineage comes from it: does the training's provider use the same tracking store?", cfg.RunID, p.store.Path())
		}
		return versionFacts{}, err
	}
	f := versionFacts{RunID: r.ID, Metrics: r.Metrics, Params: r.Params, Fingerprint: r.Fingerprint}
	if m := fromMetrics(cfg.From); m != nil {
		f.Metrics = m
	}
	if fp := getString(cfg.From, "fingerprint"); fp != "" {
		f.Fingerprint = fp
	}
	return f, nil
}

// currentFacts are the facts of version v, nil for version 0.
func (p *Provider) currentFacts(ctx context.Context, model string, v int64) (*versionFacts, error) {
	if v == 0 {
		return nil, nil
	}
	mv, err := p.store.GetModelVersion(ctx, model, v)
	if err != nil {
		return nil, err
	}
	f := factsOf(mv)
	return &f, nil
}

func factsOf(v tracking.ModelVersion) versionFacts {
	return versionFacts{Version: v.Version, RunID: v.RunID, Metrics: v.Metrics, Params: v.Lineage.Params, Fingerprint: v.Lineage.Fingerprint}
}

// runSettled reports whether from's metrics are final: known, and the
// run's status, when from has one, is known and not running.
func runSettled(from cty.Value) bool {
	if !from.IsKnown() || from.IsNull() || !from.Type().IsObjectType() {
		return false
	}
	if from.Type().HasAttribute("metrics") && !from.GetAttr("metrics").IsWhollyKnown() {
		return false
	}
	if from.Type().HasAttribute("status") {
		st := from.GetAttr("status")
		if !st.IsKnown() {
			return false
		}
		if !st.IsNull() && st.Type() == cty.String && st.AsString() == "running" {
			return false
		}
	}
	return true
}

// fromMetrics reads from.metrics when it is a known map of numbers.
func fromMetrics(from cty.Value) map[string]float64 {
	if !from.IsKnown() || from.IsNull() || !from.Type().IsObjectType() || !from.Type().HasAttribute("metrics") {
		return nil
	}
	m := from.GetAttr("metrics")
	if m.IsNull() || !m.IsWhollyKnown() || !(m.Type().IsMapType() || m.Type().IsObjectType()) || m.LengthInt() == 0 {
		return nil
	}
	out := map[string]float64{}
	for k, v := range m.AsValueMap() {
		if v.IsNull() || v.Type() != cty.Number {
			continue
		}
		out[k], _ = v.AsBigFloat().Float64()
	}
	return out
}

func getString(v cty.Value, attr string) string {
	if !v.IsKnown() || v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute(attr) {
		return ""
	}
	x := v.GetAttr(attr)
	if x.IsNull() || !x.IsKnown() || x.Type() != cty.String {
		return ""
	}
	return x.AsString()
}

// modelValue is the planned or new value: the configuration with the
// computed attributes of the decision (unknown where decided at apply).
func (p *Provider) modelValue(config cty.Value, cfg modelConfig, cand *candidate, d modelDecision, prior cty.Value) cty.Value {
	vals := config.AsValueMap()
	vals["name"] = cty.StringVal(cfg.Name)
	registered := cand != nil && cand.Registered
	vals["latest_version"] = cty.UnknownVal(cty.Number)
	if registered {
		vals["latest_version"] = cty.NumberIntVal(cand.Facts.Version)
	}
	if !d.known() {
		vals["aliases_at"] = cty.UnknownVal(cty.Map(cty.Number))
		vals["gate_results"] = cty.UnknownVal(cty.List(gateResultType))
		vals["uri"] = cty.UnknownVal(cty.String)
		return cty.ObjectVal(vals)
	}
	at := map[string]cty.Value{}
	for _, a := range d.Aliases {
		if a.Target != 0 {
			at[a.Alias] = cty.NumberIntVal(a.Target)
		}
	}
	vals["aliases_at"] = cty.MapValEmpty(cty.Number)
	if len(at) > 0 {
		vals["aliases_at"] = cty.MapVal(at)
	}
	switch {
	case len(d.Aliases) > 0 && d.Aliases[0].Target != 0:
		vals["uri"] = cty.StringVal(p.storage().VersionURI(cfg.Name, d.Aliases[0].Target))
	case len(d.Aliases) > 0:
		vals["uri"] = cty.NullVal(cty.String)
	case registered:
		vals["uri"] = cty.StringVal(p.storage().VersionURI(cfg.Name, cand.Facts.Version))
	default:
		vals["uri"] = cty.UnknownVal(cty.String)
	}
	vals["gate_results"] = gateResults(d, prior)
	return cty.ObjectVal(vals)
}

// gateResults lists, alias by alias, the outcomes evaluated now or else
// the ones recorded before.
func gateResults(d modelDecision, prior cty.Value) cty.Value {
	var before []cty.Value
	if !prior.IsNull() {
		if g := prior.GetAttr("gate_results"); g.IsWhollyKnown() && !g.IsNull() {
			before = g.AsValueSlice()
		}
	}
	var out []cty.Value
	for _, a := range d.Aliases {
		if !a.Evaluated {
			for _, r := range before {
				if stringOr(r.GetAttr("alias"), "") == a.Alias {
					out = append(out, r)
				}
			}
			continue
		}
		for _, o := range a.Outcomes {
			cur := cty.NullVal(cty.Number)
			if a.Current != 0 {
				cur = cty.NumberIntVal(a.Current)
			}
			out = append(out, cty.ObjectVal(map[string]cty.Value{
				"alias":     cty.StringVal(a.Alias),
				"candidate": cty.NumberIntVal(a.Candidate),
				"current":   cur,
				"gate":      cty.NumberIntVal(int64(o.Gate)),
				"passed":    cty.BoolVal(o.Passed),
				"message":   cty.StringVal(o.Message),
				"values":    cty.StringVal(o.Values),
			}))
		}
	}
	if len(out) == 0 {
		return cty.ListValEmpty(gateResultType)
	}
	return cty.ListVal(out)
}
