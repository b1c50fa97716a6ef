package plan

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/schema"
)

// deferredExpr is an Expression attribute found in a resource body.
type deferredExpr struct {
	path cty.Path
	expr hcl.Expression
}

// findExpressions finds the Expression attributes of body, at the top
// level and in nested blocks.
func findExpressions(body hcl.Body, b *schema.Block, path cty.Path) []deferredExpr {
	var out []deferredExpr
	var bs hcl.BodySchema
	for name, a := range b.Attributes {
		if a.Expression {
			bs.Attributes = append(bs.Attributes, hcl.AttributeSchema{Name: name})
		}
	}
	nested := map[string]*schema.NestedBlock{}
	for name, nb := range b.Blocks {
		if hasExpressions(&nb.Block) {
			h := hcl.BlockHeaderSchema{Type: name}
			if nb.Nesting == schema.NestingMap {
				h.LabelNames = []string{"name"}
			}
			bs.Blocks = append(bs.Blocks, h)
			nested[name] = nb
		}
	}
	if len(bs.Attributes) == 0 && len(bs.Blocks) == 0 {
		return nil
	}
	content, _, _ := body.PartialContent(&bs)
	for name, a := range content.Attributes {
		out = append(out, deferredExpr{path: copyPath(path).GetAttr(name), expr: a.Expr})
	}
	counts := map[string]int{}
	for _, blk := range content.Blocks {
		nb := nested[blk.Type]
		p := copyPath(path).GetAttr(blk.Type)
		switch {
		case nb.Nesting == schema.NestingList:
			p = p.IndexInt(counts[blk.Type])
			counts[blk.Type]++
		case nb.Nesting == schema.NestingMap && len(blk.Labels) == 1:
			// Decoded as an object by label: the block holds a dynamic
			// Expression attribute (schema.Block.ImpliedType).
			p = p.GetAttr(blk.Labels[0])
		}
		out = append(out, findExpressions(blk.Body, &nb.Block, p)...)
	}
	return out
}

func copyPath(p cty.Path) cty.Path { return append(cty.Path(nil), p...) }

func hasExpressions(b *schema.Block) bool {
	for _, a := range b.Attributes {
		if a.Expression {
			return true
		}
	}
	for _, nb := range b.Blocks {
		if hasExpressions(&nb.Block) {
			return true
		}
	}
	return false
}

// deferExpressions replaces the Expression attributes of a decoded config
// with their source and scope.
func (e *evaluator) deferExpressions(cfg *lang.Config, config cty.Value, r *lang.Resource, sch *schema.Block, rep repetition) cty.Value {
	if !hasExpressions(sch) || config.IsNull() || !config.IsKnown() {
		return config
	}
	exprs := findExpressions(r.Config, sch, nil)
	if len(exprs) == 0 {
		return config
	}
	vals := map[string]cty.Value{}
	for _, d := range exprs {
		rng := d.expr.Range()
		src := ""
		if b, ok := cfg.Sources[rng.Filename]; ok && rng.End.Byte <= len(b) {
			src = string(b[rng.Start.Byte:rng.End.Byte])
		}
		ctx := e.context(d.expr.Variables(), rep)
		scope := map[string]cty.Value{}
		for _, t := range d.expr.Variables() {
			root := t.RootName()
			if root == "self" || cfg.Kinds.InScope(root) {
				continue // the provider binds it
			}
			if v, ok := ctx.Variables[root]; ok {
				uv, _ := v.UnmarkDeep()
				scope[root] = uv
			}
		}
		vals[pathKey(d.path)] = schema.ExpressionValue(src, rng.Filename, rng.Start.Line, rng.Start.Column, scope)
	}
	out, err := cty.Transform(config, func(p cty.Path, v cty.Value) (cty.Value, error) {
		if nv, ok := vals[pathKey(p)]; ok {
			return nv, nil
		}
		return v, nil
	})
	if err != nil {
		return config
	}
	return out
}

func pathKey(p cty.Path) string { return schema.FormatPath(p) }
