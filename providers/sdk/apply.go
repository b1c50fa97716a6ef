package sdk

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
)

// ApplyChange calls Create, Update or Delete and checks the new state
// against the schema. When the function fails, whatever state it returned
// (the object may exist half-made) is passed on with its diagnostics.
func (p *Provider) ApplyChange(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	k, diags := p.kind(req.Kind)
	if diags.HasErrors() {
		return providers.ApplyChangeResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	c := &Change{
		Address: req.Address, Prior: req.Prior, PriorPrivate: req.PriorPrivate,
		Planned: req.Planned, Config: req.Config, Private: req.PlannedPrivate,
		Sensitive: req.Sensitive, events: req.Events,
	}
	ty := p.typeOf(k.Schema)
	if isNull(req.Planned) {
		if k.Delete != nil {
			diags = k.Delete(ctx, c)
		}
		if diags.HasErrors() {
			return providers.ApplyChangeResponse{New: req.Prior, Private: req.PriorPrivate, Diagnostics: diags}
		}
		return providers.ApplyChangeResponse{New: cty.NullVal(ty), Diagnostics: diags}
	}
	fn, call := k.Create, "Create"
	if !isNull(req.Prior) {
		fn, call = k.Update, "Update"
	}
	if fn == nil {
		return providers.ApplyChangeResponse{New: req.Prior, Private: req.PriorPrivate, Diagnostics: diags.Errorf(
			"Change not supported", "Kind %q has no %s function, so %s cannot be applied. This is a bug in the provider (an Update-less kind must plan replacements).",
			req.Kind, call, req.Address)}
	}
	nv, diags := fn(ctx, c)
	if diags.HasErrors() {
		if nv.Type() != cty.NilType {
			if conformed, err := conform(nv, ty); err == nil {
				nv = conformed
			} else {
				nv = cty.NilVal
			}
		}
		return providers.ApplyChangeResponse{New: nv, Private: c.Private, Diagnostics: diags}
	}
	if isNull(nv) {
		return providers.ApplyChangeResponse{Diagnostics: diags.Errorf("Provider returned no state",
			"%s of %s succeeded but returned no state. This is a bug in the provider.", call, req.Address)}
	}
	nv, diags = checkResult(nv, ty, req.Address, call, diags)
	return providers.ApplyChangeResponse{New: nv, Private: c.Private, Diagnostics: diags}
}
