package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
)

var resourceMetaSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "count"}, {Name: "for_each"}, {Name: "depends_on"}, {Name: "provider"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "lifecycle"}},
}

var lifecycleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "prevent_destroy"}, {Name: "create_before_destroy"}, {Name: "ignore_changes"},
	},
}

func (c *Config) decodeResource(b *hcl.Block) (*Resource, hcl.Diagnostics) {
	r := &Resource{Kind: b.Type, Name: b.Labels[0], DeclRange: b.DefRange, TypeRange: b.TypeRange}
	content, remain, diags := b.Body.PartialContent(resourceMetaSchema)
	r.Config = remain
	if a, ok := content.Attributes["count"]; ok {
		r.Count = a.Expr
	}
	if a, ok := content.Attributes["for_each"]; ok {
		r.ForEach = a.Expr
		if r.Count != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  `Invalid combination of "count" and "for_each"`,
				Detail:   `A resource may use "count" or "for_each", not both.`,
				Subject:  a.NameRange.Ptr(),
			})
		}
	}
	if a, ok := content.Attributes["depends_on"]; ok {
		ts, ds := c.decodeDependsOn(a)
		diags = append(diags, ds...)
		r.DependsOn = ts
	}
	if a, ok := content.Attributes["provider"]; ok {
		t, ds := hcl.AbsTraversalForExpr(a.Expr)
		if ds.HasErrors() || len(t) != 1 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid provider reference",
				Detail:   "The provider argument takes a provider name without quotes, such as provider = local or provider = kubernetes.",
				Subject:  a.Expr.Range().Ptr(),
			})
		} else {
			r.Provider = t.RootName()
			r.ProviderRange = a.Expr.Range()
		}
	}
	for _, lb := range content.Blocks {
		ds := decodeLifecycle(lb, &r.Lifecycle)
		diags = append(diags, ds...)
	}
	return r, diags
}

func decodeLifecycle(b *hcl.Block, lc *Lifecycle) hcl.Diagnostics {
	content, diags := b.Body.Content(lifecycleSchema)
	if a, ok := content.Attributes["prevent_destroy"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &lc.PreventDestroy)...)
	}
	if a, ok := content.Attributes["create_before_destroy"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &lc.CreateBeforeDestroy)...)
	}
	if a, ok := content.Attributes["ignore_changes"]; ok {
		if kw := hcl.ExprAsKeyword(a.Expr); kw == "all" {
			lc.IgnoreAll = true
			return diags
		}
		exprs, ds := hcl.ExprList(a.Expr)
		diags = append(diags, ds...)
		for _, e := range exprs {
			t, ds := hcl.RelTraversalForExpr(e)
			if ds.HasErrors() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid ignore_changes entry",
					Detail:   "Each entry of ignore_changes is an attribute of this resource, such as params or tags[\"owner\"], or the keyword all.",
					Subject:  e.Range().Ptr(),
				})
				continue
			}
			lc.IgnoreChanges = append(lc.IgnoreChanges, t)
		}
	}
	return diags
}

func (c *Config) decodeDependsOn(a *hcl.Attribute) ([]hcl.Traversal, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(a.Expr)
	var ret []hcl.Traversal
	for _, e := range exprs {
		t, ds := hcl.AbsTraversalForExpr(e)
		if ds.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid depends_on entry",
				Detail:   "Each entry of depends_on is a reference to a resource, such as experiment.digits.",
				Subject:  e.Range().Ptr(),
			})
			continue
		}
		if ref, ok := c.ParseRef(t); !ok || ref.Resource.Kind == "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid depends_on entry",
				Detail:   fmt.Sprintf("%q does not name a resource; depends_on takes references such as experiment.digits.", traversalString(t)),
				Subject:  e.Range().Ptr(),
			})
			continue
		}
		ret = append(ret, t)
	}
	return ret, diags
}
