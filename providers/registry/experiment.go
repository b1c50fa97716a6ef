package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state/tracking"
)

func experimentSchema() *schema.Block {
	return &schema.Block{
		Description: "A named group of runs in the tracking store.",
		Attributes: map[string]*schema.Attribute{
			"name":        {Type: cty.String, Optional: true, Computed: true, Description: "Name in the tracking store; defaults to the block's label."},
			"description": {Type: cty.String, Optional: true},
			"tags":        {Type: cty.Map(cty.String), Optional: true},
			"id":          {Type: cty.String, Computed: true, Description: "The experiment's id in the tracking store."},
		},
	}
}

// defaultName is the label of the address, with the instance key appended
// for count and for_each: experiment.e[0] -> e-0, experiment.e["a"] -> e-a.
func defaultName(addr string) string {
	_, rest, _ := strings.Cut(addr, ".")
	name, key, ok := strings.Cut(rest, "[")
	if !ok {
		return name
	}
	key = strings.Trim(strings.TrimSuffix(key, "]"), `"`)
	return name + "-" + key
}

func (p *Provider) planExperiment(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	if req.Config.IsNull() {
		return providers.PlanChangeResponse{Planned: req.Config}
	}
	cfg := req.Config.AsValueMap()
	if v := cfg["name"]; v.IsNull() {
		cfg["name"] = cty.StringVal(defaultName(req.Address))
	}
	if !req.Prior.IsNull() {
		cfg["id"] = req.Prior.GetAttr("id")
	} else {
		cfg["id"] = cty.UnknownVal(cty.String)
	}
	return providers.PlanChangeResponse{Planned: cty.ObjectVal(cfg)}
}

func experimentFromValue(v cty.Value) tracking.Experiment {
	e := tracking.Experiment{
		ID:          stringOr(v.GetAttr("id"), ""),
		Name:        stringOr(v.GetAttr("name"), ""),
		Description: stringOr(v.GetAttr("description"), ""),
	}
	if t := v.GetAttr("tags"); !t.IsNull() && t.IsKnown() {
		e.Tags = map[string]string{}
		for k, tv := range t.AsValueMap() {
			e.Tags[k] = stringOr(tv, "")
		}
	}
	return e
}

func experimentValue(e tracking.Experiment, like cty.Value) cty.Value {
	vals := map[string]cty.Value{
		"id":          cty.StringVal(e.ID),
		"name":        cty.StringVal(e.Name),
		"description": cty.NullVal(cty.String),
		"tags":        cty.NullVal(cty.Map(cty.String)),
	}
	// Keep null where the configuration left an attribute null, so that an
	// empty description does not show as a change.
	if e.Description != "" || (!like.IsNull() && !like.GetAttr("description").IsNull()) {
		vals["description"] = cty.StringVal(e.Description)
	}
	if len(e.Tags) > 0 {
		m := map[string]cty.Value{}
		for k, v := range e.Tags {
			m[k] = cty.StringVal(v)
		}
		vals["tags"] = cty.MapVal(m)
	} else if !like.IsNull() && !like.GetAttr("tags").IsNull() {
		vals["tags"] = cty.MapValEmpty(cty.String)
	}
	return cty.ObjectVal(vals)
}

func (p *Provider) applyExperiment(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	var diags providers.Diagnostics
	switch {
	case req.Planned.IsNull():
		id := stringOr(req.Prior.GetAttr("id"), "")
		p.forget(id)
		if err := p.store.DeleteExperiment(ctx, id); err != nil && !errors.Is(err, tracking.ErrNotFound) {
			return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags.FromError("Cannot delete the experiment", err)}
		}
		return providers.ApplyChangeResponse{New: cty.NullVal(req.Planned.Type())}
	case req.Prior.IsNull():
		e := experimentFromValue(req.Planned)
		e.ID = ""
		got, err := p.store.CreateExperiment(ctx, e)
		if err != nil {
			return providers.ApplyChangeResponse{Diagnostics: diags.FromError("Cannot create the experiment", err)}
		}
		return providers.ApplyChangeResponse{New: experimentValue(got, req.Planned)}
	default:
		e := experimentFromValue(req.Planned)
		p.forget(e.ID)
		if err := p.store.UpdateExperiment(ctx, e); err != nil {
			return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags.FromError("Cannot update the experiment", err)}
		}
		return providers.ApplyChangeResponse{New: experimentValue(e, req.Planned)}
	}
}

// cachedExperiment returns the experiment with id, loading every
// experiment of the tracking store in one query the first time.
func (p *Provider) cachedExperiment(ctx context.Context, id string) (tracking.Experiment, error) {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	if p.experiments == nil {
		all, err := p.store.ListExperiments(ctx)
		if err != nil {
			return tracking.Experiment{}, err
		}
		p.experiments = make(map[string]tracking.Experiment, len(all))
		for _, e := range all {
			p.experiments[e.ID] = e
		}
	}
	if e, ok := p.experiments[id]; ok {
		return e, nil
	}
	return p.store.GetExperiment(ctx, id)
}

// forget drops an experiment from the cache after a change.
func (p *Provider) forget(id string) {
	p.cacheMu.Lock()
	delete(p.experiments, id)
	p.cacheMu.Unlock()
}

func (p *Provider) readExperiment(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	var diags providers.Diagnostics
	id := stringOr(req.Current.GetAttr("id"), "")
	e, err := p.cachedExperiment(ctx, id)
	if errors.Is(err, tracking.ErrNotFound) || (err == nil && !e.Deleted.IsZero()) {
		return providers.ReadResponse{New: cty.NullVal(req.Current.Type())}
	}
	if err != nil {
		return providers.ReadResponse{New: req.Current, Diagnostics: diags.FromError("Cannot read the experiment", err)}
	}
	return providers.ReadResponse{New: experimentValue(e, req.Current), Private: req.Private}
}

func (p *Provider) importExperiment(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	var diags providers.Diagnostics
	e, err := p.store.GetExperiment(ctx, req.ID)
	if errors.Is(err, tracking.ErrNotFound) {
		e, err = p.store.GetExperimentByName(ctx, req.ID)
	}
	if err != nil {
		return providers.ImportResponse{Diagnostics: diags.FromError("Cannot import the experiment", err)}
	}
	return providers.ImportResponse{State: experimentValue(e, cty.NullVal(experimentSchema().ImpliedType()))}
}
