package plan

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/funcs"
	"github.com/mltf/mltf/lang/schema"
)

// proposedNew merges config and prior: computed attributes the
// configuration leaves null keep their prior values, so providers see what
// the user wants plus what they computed before.
func proposedNew(sch *schema.Block, prior, config cty.Value) cty.Value {
	if config.IsNull() || !config.IsKnown() {
		return config
	}
	if prior.IsNull() || !prior.IsKnown() {
		return config
	}
	if !config.Type().IsObjectType() || !prior.Type().IsObjectType() {
		return config
	}
	vals := config.AsValueMap()
	if vals == nil {
		vals = map[string]cty.Value{}
	}
	for name, a := range sch.Attributes {
		if !a.Computed || !prior.Type().HasAttribute(name) {
			continue
		}
		cv, ok := vals[name]
		if !ok || cv.IsNull() {
			vals[name] = prior.GetAttr(name)
		}
	}
	for name, nb := range sch.Blocks {
		if !prior.Type().HasAttribute(name) {
			continue
		}
		cv, ok := vals[name]
		if !ok {
			continue
		}
		pv := prior.GetAttr(name)
		switch nb.Nesting {
		case schema.NestingSingle:
			vals[name] = proposedNew(&nb.Block, pv, cv)
		case schema.NestingMap:
			if cv.IsNull() || !cv.IsKnown() || pv.IsNull() || !pv.IsKnown() || !cv.Type().IsMapType() || !pv.Type().IsMapType() {
				continue
			}
			m := cv.AsValueMap()
			for k, ev := range m {
				if pv.HasIndex(cty.StringVal(k)).True() {
					m[k] = proposedNew(&nb.Block, pv.Index(cty.StringVal(k)), ev)
				}
			}
			if len(m) > 0 {
				vals[name] = cty.MapVal(m)
			}
		}
	}
	return cty.ObjectVal(vals)
}

// applyIgnoreChanges replaces the ignored attributes of config with their
// prior values.
func applyIgnoreChanges(config, prior cty.Value, lc lang.Lifecycle) cty.Value {
	if lc.IgnoreAll {
		return prior
	}
	if len(lc.IgnoreChanges) == 0 {
		return config
	}
	var paths []cty.Path
	for _, t := range lc.IgnoreChanges {
		paths = append(paths, traversalPath(t))
	}
	ret, err := cty.Transform(config, func(p cty.Path, v cty.Value) (cty.Value, error) {
		for _, ip := range paths {
			if p.Equals(ip) {
				if pv, err := ip.Apply(prior); err == nil {
					return pv, nil
				}
			}
		}
		return v, nil
	})
	if err != nil {
		return config
	}
	return ret
}

func traversalPath(t hcl.Traversal) cty.Path {
	var p cty.Path
	for _, s := range t {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			p = p.GetAttr(s.Name)
		case hcl.TraverseAttr:
			p = p.GetAttr(s.Name)
		case hcl.TraverseIndex:
			p = p.Index(s.Key)
		}
	}
	return p
}

// validateVariables checks each variable's validation conditions.
func validateVariables(cfg *lang.Config, vals map[string]cty.Value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	all := map[string]cty.Value{}
	for k, v := range vals {
		all[k] = v
	}
	for name, decl := range cfg.Variables {
		if _, ok := all[name]; !ok {
			all[name] = cty.NullVal(decl.Type)
		}
	}
	// As in Terraform 1.9, a condition may call functions and refer to
	// other variables.
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(all)}, Functions: funcs.Functions(cfg.Dir, true)}
	for name, v := range cfg.Variables {
		for _, val := range v.Validations {
			res, ds := val.Condition.Value(ctx)
			if ds.HasErrors() {
				diags = append(diags, ds...)
				continue
			}
			if !res.IsKnown() || res.IsNull() || res.Type() != cty.Bool {
				if res.Type() != cty.Bool && res.IsKnown() && !res.IsNull() {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid validation condition", Detail: "A validation condition must be true or false.", Subject: val.Condition.Range().Ptr()})
				}
				continue
			}
			if res.True() {
				continue
			}
			msg, ds := val.ErrorMessage.Value(ctx)
			text := "the value is not valid"
			if !ds.HasErrors() && msg.Type() == cty.String && msg.IsKnown() && !msg.IsNull() {
				text = msg.AsString()
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("%s\n\nThis was checked by the validation rule at %s for var.%s.", text, val.DeclRange, name),
				Subject:  val.Condition.Range().Ptr(),
			})
		}
	}
	return diags
}
