package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// VarFileSuffix is the suffix of variable files; mltf.mltfvars and
// *.auto.mltfvars in the configuration directory are read automatically.
const VarFileSuffix = ".mltfvars"

// RawVar is one value given for a variable, before it is typed.
type RawVar struct {
	Name   string
	Raw    string         // -var and MLTF_VAR_ values: parsed per the variable's type
	Expr   hcl.Expression // values from a variable file
	Source string         // "-var", "environment", or the file name
}

// InputSources collects variable values in Terraform's precedence order:
// environment, mltf.mltfvars, *.auto.mltfvars, then -var-file and -var in
// command-line order (later wins). cli holds ("-var", "k=v") and
// ("-var-file", path) pairs in the order given.
func InputSources(dir string, environ []string, cli [][2]string) ([]RawVar, hcl.Diagnostics) {
	var ret []RawVar
	var diags hcl.Diagnostics
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "MLTF_VAR_") {
			continue
		}
		k, v, _ := strings.Cut(strings.TrimPrefix(kv, "MLTF_VAR_"), "=")
		ret = append(ret, RawVar{Name: k, Raw: v, Source: "environment variable MLTF_VAR_" + k})
	}
	var auto []string
	if _, err := os.Stat(filepath.Join(dir, "mltf"+VarFileSuffix)); err == nil {
		auto = append(auto, "mltf"+VarFileSuffix)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*.auto"+VarFileSuffix)); len(matches) > 0 {
		sort.Strings(matches)
		for _, m := range matches {
			auto = append(auto, filepath.Base(m))
		}
	}
	for _, f := range auto {
		vs, ds := readVarFile(filepath.Join(dir, f), f)
		ret, diags = append(ret, vs...), append(diags, ds...)
	}
	for _, c := range cli {
		switch c[0] {
		case "-var":
			k, v, ok := strings.Cut(c[1], "=")
			if !ok || k == "" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -var option", Detail: fmt.Sprintf("The -var option takes NAME=VALUE, as in -var lr=0.1; got %q.", c[1])})
				continue
			}
			ret = append(ret, RawVar{Name: k, Raw: v, Source: "-var"})
		case "-var-file":
			vs, ds := readVarFile(c[1], c[1])
			ret, diags = append(ret, vs...), append(diags, ds...)
		}
	}
	return ret, diags
}

func readVarFile(path, name string) ([]RawVar, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read variable file", Detail: err.Error()}}
	}
	p := hclparse.NewParser()
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(path, ".json") {
		f, diags = p.ParseJSON(src, name)
	} else {
		f, diags = p.ParseHCL(src, name)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	attrs, ds := f.Body.JustAttributes()
	diags = append(diags, ds...)
	var ret []RawVar
	for n, a := range attrs {
		ret = append(ret, RawVar{Name: n, Expr: a.Expr, Source: name})
	}
	sort.Slice(ret, func(i, j int) bool { return ret[i].Name < ret[j].Name })
	return ret, diags
}

// VariableValues types the raw values against the declared variables,
// applies defaults, and reports undeclared names and missing values.
// Validation conditions are checked by the engine.
func VariableValues(cfg *Config, raws []RawVar) (map[string]cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	given := map[string]cty.Value{}
	invalid := map[string]bool{} // reported once, not again as missing
	for _, r := range raws {
		v, ok := cfg.Variables[r.Name]
		if !ok {
			if strings.HasPrefix(r.Source, "environment") {
				continue // Terraform ignores unknown environment variables too.
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("A value for %q was given by %s, but no variable %q is declared. Declare it with a variable block, or remove the value.", r.Name, r.Source, r.Name),
				Subject:  exprRange(r.Expr),
			})
			continue
		}
		var val cty.Value
		if r.Expr != nil {
			ev, ds := r.Expr.Value(nil)
			diags = append(diags, ds...)
			if ds.HasErrors() {
				invalid[r.Name] = true
				continue
			}
			val = ev
		} else if v.Type == cty.String || v.Type == cty.DynamicPseudoType && !looksLikeExpr(r.Raw) {
			val = cty.StringVal(r.Raw)
		} else {
			expr, ds := hclsyntax.ParseExpression([]byte(r.Raw), r.Source, hcl.InitialPos)
			if !ds.HasErrors() {
				val, ds = expr.Value(nil)
			}
			if ds.HasErrors() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid value for variable",
					Detail:   fmt.Sprintf("The value %q given by %s for variable %q is not %s: the variable is declared with type %s.", r.Raw, r.Source, r.Name, expected(v.Type), typeexpr.TypeString(v.Type)),
					Subject:  v.DeclRange.Ptr(),
				})
				invalid[r.Name] = true
				continue
			}
		}
		given[r.Name] = val
	}
	ret := map[string]cty.Value{}
	for name, v := range cfg.Variables {
		val, ok := given[name]
		if invalid[name] && !ok {
			continue
		}
		if !ok || (val.IsNull() && !v.Nullable) {
			if v.Default == cty.NilVal {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "No value for required variable",
					Detail:   fmt.Sprintf("The variable %q has no default and no value was given. Set it with -var %s=VALUE, a -var-file, or MLTF_VAR_%s.", name, name, name),
					Subject:  v.DeclRange.Ptr(),
				})
				continue
			}
			ret[name] = v.Default
			continue
		}
		if v.Defaults != nil {
			val = v.Defaults.Apply(val)
		}
		conv, err := convert.Convert(val, v.Type)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("The value given for %q does not match its type %s: %s. It must be %s.", name, typeexpr.TypeString(v.Type), err, expected(v.Type)),
				Subject:  v.DeclRange.Ptr(),
			})
			continue
		}
		ret[name] = conv
	}
	return ret, diags
}

func looksLikeExpr(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{")
}

func exprRange(e hcl.Expression) *hcl.Range {
	if e == nil {
		return nil
	}
	return e.Range().Ptr()
}

// expected says in words, with an example, what a value of ty is written
// like on the command line.
func expected(ty cty.Type) string {
	switch {
	case ty == cty.Number:
		return "a number, such as 0.05"
	case ty == cty.Bool:
		return "true or false"
	case ty == cty.String:
		return "a string"
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		return `a list in HCL syntax, such as '["a", "b"]'`
	case ty.IsMapType() || ty.IsObjectType():
		return `an object in HCL syntax, such as '{ name = "value" }'`
	}
	return "a value in HCL syntax (strings in quotes)"
}
