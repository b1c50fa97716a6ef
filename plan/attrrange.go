package plan

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

// rangeAt is where the attribute at path of the node's resource is
// written, so that a provider's diagnostic about gate[0].condition points
// at that line; the resource's declaration when the path names nothing
// written in the body.
func (n *node) rangeAt(path cty.Path) *hcl.Range {
	if n.res == nil {
		return nil
	}
	if r := attributeRange(n.res.Config, n.schema, path); r != nil {
		return r
	}
	return n.res.DeclRange.Ptr()
}

// fixedRange puts every diagnostic at rng.
func fixedRange(rng *hcl.Range) func(cty.Path) *hcl.Range {
	return func(cty.Path) *hcl.Range { return rng }
}

// attributeRange is where in body the value at path is written: an
// attribute's expression (an element of it for an index into an object or
// tuple written out), or a nested block; nil when nothing there matches.
func attributeRange(body hcl.Body, sch *schema.Block, path cty.Path) *hcl.Range {
	sb, ok := body.(*hclsyntax.Body)
	if !ok || sch == nil || len(path) == 0 {
		return nil
	}
	step, ok := path[0].(cty.GetAttrStep)
	if !ok {
		return nil
	}
	if a, ok := sb.Attributes[step.Name]; ok {
		return exprRange(a.Expr, path[1:])
	}
	nb, ok := sch.Blocks[step.Name]
	if !ok {
		return nil
	}
	var blocks []*hclsyntax.Block
	for _, b := range sb.Blocks {
		if b.Type == step.Name {
			blocks = append(blocks, b)
		}
	}
	rest := path[1:]
	var blk *hclsyntax.Block
	switch nb.Nesting {
	case schema.NestingSingle:
		if len(blocks) > 0 {
			blk = blocks[0]
		}
	case schema.NestingList, schema.NestingMap:
		if len(rest) == 0 {
			break
		}
		idx, ok := rest[0].(cty.IndexStep)
		if ga, isAttr := rest[0].(cty.GetAttrStep); isAttr && nb.Nesting == schema.NestingMap {
			// A map of blocks with a dynamic attribute is decoded as an
			// object by label (schema.Block.ImpliedType).
			idx, ok = cty.IndexStep{Key: cty.StringVal(ga.Name)}, true
		}
		if !ok || !idx.Key.IsKnown() || idx.Key.IsNull() {
			break
		}
		rest = rest[1:]
		switch {
		case nb.Nesting == schema.NestingList && idx.Key.Type() == cty.Number:
			i, _ := idx.Key.AsBigFloat().Int64()
			if i >= 0 && int(i) < len(blocks) {
				blk = blocks[i]
			}
		case nb.Nesting == schema.NestingMap && idx.Key.Type() == cty.String:
			for _, b := range blocks {
				if len(b.Labels) > 0 && b.Labels[0] == idx.Key.AsString() {
					blk = b
				}
			}
		}
	}
	if blk == nil {
		return nil
	}
	if r := attributeRange(blk.Body, &nb.Block, rest); r != nil {
		return r
	}
	r := blk.DefRange()
	return &r
}

// exprRange is the range of the part of expr at path, as far as expr
// writes it out.
func exprRange(expr hclsyntax.Expression, path cty.Path) *hcl.Range {
	if len(path) > 0 {
		if idx, ok := path[0].(cty.IndexStep); ok && idx.Key.IsKnown() && !idx.Key.IsNull() {
			switch e := expr.(type) {
			case *hclsyntax.ObjectConsExpr:
				for _, item := range e.Items {
					k, diags := item.KeyExpr.Value(nil)
					if !diags.HasErrors() && k.Type() == cty.String && idx.Key.Type() == cty.String && k.AsString() == idx.Key.AsString() {
						return exprRange(item.ValueExpr, path[1:])
					}
				}
			case *hclsyntax.TupleConsExpr:
				if idx.Key.Type() == cty.Number {
					i, _ := idx.Key.AsBigFloat().Int64()
					if i >= 0 && int(i) < len(e.Exprs) {
						return exprRange(e.Exprs[i], path[1:])
					}
				}
			}
		}
		if attr, ok := path[0].(cty.GetAttrStep); ok {
			if e, ok := expr.(*hclsyntax.ObjectConsExpr); ok {
				for _, item := range e.Items {
					if hcl.ExprAsKeyword(item.KeyExpr) == attr.Name {
						return exprRange(item.ValueExpr, path[1:])
					}
				}
			}
		}
	}
	r := expr.Range()
	return &r
}
