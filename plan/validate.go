package plan

import (
	"context"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/providers"
)

// Validate checks a configuration without state or variable values:
// references, kinds, count and for_each as far as they are known, and
// every resource body against its kind's schema with all inputs unknown,
// then the providers' own checks. A reference
// error does not stop the checks of the bodies: every mistake is reported
// at once, each once.
func Validate(ctx context.Context, cfg *lang.Config, provs *Providers) hcl.Diagnostics {
	g, diags := buildGraph(ctx, cfg, provs)
	reported := diags
	vars := map[string]cty.Value{}
	for name, v := range cfg.Variables {
		vars[name] = cty.UnknownVal(v.Type)
	}
	ev := newEvaluator(cfg, vars, true)
	for _, n := range g.nodes {
		switch n.kind {
		case localNode:
			ev.setLocal(n.local.Name, cty.DynamicVal)
		case resourceNode:
			ev.setResource(n.res.Addr(), cty.DynamicVal)
		}
	}
	for _, n := range g.nodes {
		if n.kind != resourceNode {
			continue
		}
		rep := repetition{}
		if n.res.Count != nil {
			rep.countIndex = cty.UnknownVal(cty.Number)
			v, ds := n.res.Count.Value(ev.context(n.res.Count.Variables(), repetition{}))
			if !ds.HasErrors() {
				_, _, ds = countArg(v, n.res.Count.Range())
			}
			diags = append(diags, notReported(ds, reported)...)
		}
		if n.res.ForEach != nil {
			rep.eachKey, rep.eachValue = cty.UnknownVal(cty.String), cty.DynamicVal
			v, ds := n.res.ForEach.Value(ev.context(n.res.ForEach.Variables(), repetition{}))
			if !ds.HasErrors() {
				_, ds = forEachArg(v, n.res.ForEach.Range())
			}
			diags = append(diags, notReported(ds, reported)...)
		}
		v, ds := hcldec.Decode(n.res.Config, n.spec, ev.context(n.refs, rep))
		diags = append(diags, notReported(ds, reported)...)
		if ds.HasErrors() {
			continue
		}
		v = ev.deferExpressions(cfg, v, n.res, n.schema, rep)
		iface, _, ds := provs.Schema(ctx, n.provider)
		if ds.HasErrors() {
			continue
		}
		v, _ = v.UnmarkDeep()
		v = n.schema.Normalize(v)
		resp := iface.ValidateConfig(ctx, providers.ValidateConfigRequest{Kind: n.res.Kind, Config: v})
		diags = append(diags, providerDiags(n.provider, n.key, resp.Diagnostics, n.rangeAt)...)
	}
	return append(diags, validationRefs(cfg)...)
}

// validationRefs checks that the variables the validation rules refer to
// are declared: a condition is evaluated only when a plan has values, too
// late to say that var.lrr is a typo.
func validationRefs(cfg *lang.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range keys(cfg.Variables) {
		for _, val := range cfg.Variables[name].Validations {
			for _, expr := range []hcl.Expression{val.Condition, val.ErrorMessage} {
				for _, t := range expr.Variables() {
					ref, ok := cfg.ParseRef(t)
					if !ok || ref.Root != "var" {
						continue // lang refused it already
					}
					if _, ok := cfg.Variables[ref.Name]; !ok {
						diags = append(diags, undeclared("variable", "var."+ref.Name, t.SourceRange().Ptr(), lang.DidYouMean(ref.Name, "var.", keys(cfg.Variables))))
					}
				}
			}
		}
	}
	return diags
}

// Edges returns the dependency graph as node key -> keys it depends on.
func Edges(ctx context.Context, cfg *lang.Config, provs *Providers) (map[string][]string, hcl.Diagnostics) {
	g, diags := buildGraph(ctx, cfg, provs)
	ret := map[string][]string{}
	for _, n := range g.nodes {
		ret[n.key] = nil
		for _, d := range n.deps {
			ret[n.key] = append(ret[n.key], d.key)
		}
	}
	return ret, diags
}

// notReported are the diagnostics of ds that do not point into a place
// where reported already has an error (a reference to an undeclared
// variable fails again when the body is decoded).
func notReported(ds, reported hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range ds {
		dup := false
		for _, r := range reported {
			if d.Subject != nil && r.Subject != nil && r.Severity == hcl.DiagError && d.Subject.Overlaps(*r.Subject) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, d)
		}
	}
	return out
}
