package funcs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

var templateParams = []function.Parameter{
	{Name: "path", Type: cty.String},
	{Name: "vars", Type: cty.DynamicPseudoType},
}

// templateFileFunc renders the file at path as an HCL template (${...} and
// %{...} directives) with the given vars as its only variables and funcs()
// as its functions.
func templateFileFunc(baseDir string, funcs func() map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders the file at path as a template, with vars (a map or object) as its variables.",
		Params:      templateParams,
		Type:        function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			vars, err := templateVars(args[1])
			if err != nil {
				return cty.NilVal, function.NewArgError(1, err)
			}
			src, err := readFile(baseDir, p)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			full, _ := resolvePath(baseDir, p)
			expr, diags := hclsyntax.ParseTemplate(src, full, hcl.InitialPos)
			if diags.HasErrors() {
				return cty.NilVal, function.NewArgErrorf(0, "the template %s has a syntax error: %s", p, diagsText(diags))
			}
			for _, tr := range expr.Variables() {
				name := tr.RootName()
				if _, ok := vars[name]; !ok {
					return cty.NilVal, function.NewArgErrorf(1, "vars has no key %q, which the template uses at %s; known keys: %s",
						name, tr.SourceRange(), keyList(vars))
				}
			}
			ctx := &hcl.EvalContext{Variables: vars, Functions: funcs()}
			val, diags := expr.Value(ctx)
			if diags.HasErrors() {
				return cty.NilVal, function.NewArgErrorf(0, "cannot render the template %s: %s", p, diagsText(diags))
			}
			return val, nil
		},
	})
}

// noNestedTemplateFunc stands for templatefile inside a template.
var noNestedTemplateFunc = function.New(&function.Spec{
	Description: "templatefile cannot be called from inside a template.",
	Params:      templateParams,
	Type:        function.StaticReturnType(cty.DynamicPseudoType),
	Impl: func(_ []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.NilVal, fmt.Errorf("templatefile cannot be called from inside a template; render the inner template in the configuration and pass the result in vars")
	},
})

// templateVars checks that vars is a map or object whose keys are valid
// identifiers, and returns its elements.
func templateVars(v cty.Value) (map[string]cty.Value, error) {
	ty := v.Type()
	if !(ty.IsMapType() || ty.IsObjectType()) {
		return nil, fmt.Errorf("vars must be a map or an object, such as { name = \"x\" }, not %s", ty.FriendlyName())
	}
	if v.IsNull() {
		return nil, fmt.Errorf("vars must not be null; use {} for a template without variables")
	}
	out := map[string]cty.Value{}
	for it := v.ElementIterator(); it.Next(); {
		k, val := it.Element()
		name := k.AsString()
		if !hclsyntax.ValidIdentifier(name) {
			return nil, fmt.Errorf("vars key %q cannot be used in a template: a key must be an identifier (letters, digits, _ and -, not starting with a digit)", name)
		}
		out[name] = val
	}
	return out, nil
}

func keyList(vars map[string]cty.Value) string {
	if len(vars) == 0 {
		return "(none)"
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// diagsText renders error diagnostics on one line each, with their source
// positions.
func diagsText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if d.Detail != "" {
			s += ": " + d.Detail
		}
		if d.Subject != nil {
			s = d.Subject.String() + ": " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
