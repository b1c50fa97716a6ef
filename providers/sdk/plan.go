package sdk

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// PlanChange plans a create (computed attributes unknown), an update
// (the proposed value; a replacement when a ReplaceOn path changes or
// the kind has no Update) or a destroy (null), then calls Kind.Plan.
func (p *Provider) PlanChange(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	k, diags := p.kind(req.Kind)
	if diags.HasErrors() {
		return providers.PlanChangeResponse{Diagnostics: diags}
	}
	ty := p.typeOf(k.Schema)
	if isNull(req.Config) {
		resp := providers.PlanChangeResponse{Planned: cty.NullVal(ty), PlannedPrivate: req.PriorPrivate}
		if k.DeleteReason != "" {
			resp.Reasons = []string{k.DeleteReason}
		}
		return resp
	}
	cfg, err := conform(req.Config, ty)
	if err != nil {
		return providers.PlanChangeResponse{Diagnostics: diags.Errorf("Invalid configuration", "%s", err)}
	}
	proposed := req.Proposed
	if isNull(proposed) {
		proposed = proposedNew(k.Schema, req.Prior, cfg)
	}
	if proposed, err = conform(proposed, ty); err != nil {
		return providers.PlanChangeResponse{Diagnostics: diags.Errorf("Invalid proposed value", "%s", err)}
	}
	pl := &Plan{
		Address: req.Address, Prior: req.Prior, PriorPrivate: req.PriorPrivate,
		Config: cfg, Proposed: proposed, PlannedPrivate: req.PriorPrivate,
	}
	if pl.Create() {
		pl.Planned = unknownComputed(k.Schema, cfg)
	} else {
		changes := diffValues(nil, req.Prior, proposed, 3)
		switch {
		case len(changes) == 0:
			pl.Planned = req.Prior
		default:
			for _, c := range changes {
				pl.Reasons = append(pl.Reasons, c.String())
			}
			pl.RequiresReplace = replacePaths(k, changes)
			if len(pl.RequiresReplace) > 0 {
				pl.Planned = unknownComputed(k.Schema, cfg)
			} else {
				pl.Planned = proposed
			}
		}
	}
	if k.Plan != nil {
		ctx, cancel := p.withStop(ctx)
		defer cancel()
		diags = append(diags, k.Plan(ctx, pl)...)
	}
	planned, err := conform(pl.Planned, ty)
	if err != nil {
		return providers.PlanChangeResponse{Diagnostics: diags.Errorf("Provider returned an invalid value",
			"The planned value of %s does not match the kind's schema: %s. This is a bug in the provider.", req.Address, err)}
	}
	return providers.PlanChangeResponse{
		Planned:         planned,
		PlannedPrivate:  pl.PlannedPrivate,
		RequiresReplace: pl.RequiresReplace,
		Reasons:         pl.Reasons,
		Diagnostics:     diags,
	}
}

// replacePaths are the changed paths that force a new instance.
func replacePaths(k *Kind, changes []change) []cty.Path {
	var ret []cty.Path
	for _, c := range changes {
		if k.Update == nil {
			ret = append(ret, c.Path)
			continue
		}
		for _, r := range k.ReplaceOn {
			if hasPrefix(c.Path, r) || hasPrefix(r, c.Path) {
				ret = append(ret, c.Path)
				break
			}
		}
	}
	return ret
}

func hasPrefix(p, prefix cty.Path) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i, s := range prefix {
		if !stepEqual(s, p[i]) {
			return false
		}
	}
	return true
}

func stepEqual(a, b cty.PathStep) bool {
	switch x := a.(type) {
	case cty.GetAttrStep:
		y, ok := b.(cty.GetAttrStep)
		return ok && x.Name == y.Name
	case cty.IndexStep:
		y, ok := b.(cty.IndexStep)
		return ok && x.Key.RawEquals(y.Key)
	}
	return false
}

// change is one difference between the prior and the proposed value.
type change struct {
	Path     cty.Path
	Old, New cty.Value
}

func (c change) String() string {
	switch {
	case c.Old.IsNull():
		return fmt.Sprintf("%s set to %s", schema.FormatPath(c.Path), short(c.New))
	case c.New.IsNull():
		return fmt.Sprintf("%s removed (was %s)", schema.FormatPath(c.Path), short(c.Old))
	}
	return fmt.Sprintf("%s %s -> %s", schema.FormatPath(c.Path), short(c.Old), short(c.New))
}

// diffValues lists where a and b differ, descending into objects and maps
// up to depth levels.
func diffValues(path cty.Path, a, b cty.Value, depth int) []change {
	if a.RawEquals(b) {
		// The common case, and much cheaper than Equals, which copies
		// marked values and builds its answer as a cty value.
		return nil
	}
	eq := a.Equals(b)
	if eq.IsKnown() && eq.True() {
		return nil
	}
	ty := a.Type()
	if depth == 0 || a.IsNull() || b.IsNull() || !a.IsKnown() || !b.IsKnown() ||
		!ty.Equals(b.Type()) || !(ty.IsObjectType() || ty.IsMapType()) {
		return []change{{Path: path.Copy(), Old: a, New: b}}
	}
	am, bm := a.AsValueMap(), b.AsValueMap()
	keys := map[string]bool{}
	for k := range am {
		keys[k] = true
	}
	for k := range bm {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var ret []change
	for _, k := range names {
		var next cty.Path
		if ty.IsObjectType() {
			next = path.GetAttr(k)
		} else {
			next = path.Index(cty.StringVal(k))
		}
		av, aok := am[k]
		bv, bok := bm[k]
		if !aok {
			av = cty.NullVal(bv.Type())
		}
		if !bok {
			bv = cty.NullVal(av.Type())
		}
		ret = append(ret, diffValues(next, av, bv, depth-1)...)
	}
	return ret
}

// short renders a value for a reason: 0.05, "adam", [3 items].
func short(v cty.Value) string {
	switch {
	case !v.IsKnown():
		return "(known after apply)"
	case v.IsNull():
		return "null"
	}
	v, _ = v.UnmarkDeep()
	ty := v.Type()
	switch {
	case ty == cty.String:
		s := v.AsString()
		if len(s) > 40 {
			s = s[:37] + "..."
		}
		return fmt.Sprintf("%q", s)
	case ty == cty.Number:
		return schema.FormatNumber(v.AsBigFloat())
	case ty == cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		return fmt.Sprintf("[%d items]", v.LengthInt())
	case ty.IsMapType() || ty.IsObjectType():
		var keys []string
		for it := v.ElementIterator(); it.Next(); {
			k, _ := it.Element()
			keys = append(keys, k.AsString())
		}
		if len(keys) > 4 {
			keys = append(keys[:4], "...")
		}
		return "{" + strings.Join(keys, ", ") + "}"
	}
	return ty.FriendlyName()
}
