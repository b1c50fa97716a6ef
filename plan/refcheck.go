package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/schema"
)

// checkReferencedNames checks, without evaluating anything, that every
// reference into a resource names an attribute or block of its kind
// (training.mlp.metric is a typo for metrics) and, for a block repeated by
// label, a label the resource declares (cluster.dev.pool.gpu when the
// cluster has only pool "cpu"). Such a typo would otherwise surface only
// when the value is known, after the work it waits for.
func (g *graph) checkReferencedNames(cfg *lang.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, n := range g.nodes {
		for _, t := range n.refs {
			ref, ok := cfg.ParseRef(t)
			if !ok || ref.Resource.Kind == "" {
				continue
			}
			target := g.byKey[ref.Resource.String()]
			if target == nil || target.schema == nil {
				continue
			}
			if d := checkSteps(target, t); d != nil {
				diags = append(diags, d)
			}
		}
	}
	return diags
}

// checkSteps checks the steps of t after KIND.NAME against the target.
func checkSteps(target *node, t hcl.Traversal) *hcl.Diagnostic {
	steps := t[2:]
	if target.res.Count != nil || target.res.ForEach != nil {
		if len(steps) == 0 {
			return nil
		}
		if _, ok := steps[0].(hcl.TraverseIndex); !ok {
			return nil // the whole collection, or a splat
		}
		steps = steps[1:]
	}
	if len(steps) == 0 {
		return nil
	}
	step, ok := steps[0].(hcl.TraverseAttr)
	if !ok {
		return nil
	}
	sch := target.schema
	if _, ok := sch.Attributes[step.Name]; ok {
		return nil
	}
	if nb, ok := sch.Blocks[step.Name]; ok {
		if nb.Nesting != schema.NestingMap || len(steps) < 2 {
			return nil
		}
		label := ""
		switch s := steps[1].(type) {
		case hcl.TraverseAttr:
			label = s.Name
		case hcl.TraverseIndex:
			if s.Key.Type() != cty.String || !s.Key.IsKnown() || s.Key.IsNull() {
				return nil
			}
			label = s.Key.AsString()
		default:
			return nil
		}
		labels := blockLabels(target.res.Config, step.Name)
		for _, l := range labels {
			if l == label {
				return nil
			}
		}
		have := "it declares none"
		if len(labels) > 0 {
			have = fmt.Sprintf("its %ss: %s", step.Name, strings.Join(labels, ", "))
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared " + step.Name,
			Detail: fmt.Sprintf("%s has no %s %q (%s).%s", target.key, step.Name, label, have,
				lang.DidYouMean(label, target.key+"."+step.Name+".", labels)),
			Subject: hcl.RangeBetween(t.SourceRange(), steps[1].SourceRange()).Ptr(),
		}
	}
	var names []string
	for name := range sch.Attributes {
		names = append(names, name)
	}
	for name := range sch.Blocks {
		names = append(names, name)
	}
	sort.Strings(names)
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported attribute",
		Detail: fmt.Sprintf("A %s has no attribute %q.%s Its attributes: %s.", target.res.Kind, step.Name,
			lang.DidYouMean(step.Name, target.key+".", names), strings.Join(names, ", ")),
		Subject: hcl.RangeBetween(t.SourceRange(), step.SrcRange).Ptr(),
	}
}

// blockLabels are the labels of the blocks of type typ in body, in order.
func blockLabels(body hcl.Body, typ string) []string {
	content, _, _ := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: typ, LabelNames: []string{"name"}}}})
	var out []string
	for _, b := range content.Blocks {
		out = append(out, b.Labels[0])
	}
	return out
}
