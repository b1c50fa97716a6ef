package funcs

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestTemplateFile(t *testing.T) {
	runCases(t, filesDir, []evalCase{
		{name: "interpolation", expr: `templatefile("tpl/greeting.tmpl", {name = "mltf"})`, want: cty.StringVal("Hello, mltf!")},
		{name: "map vars", expr: `templatefile("tpl/greeting.tmpl", tomap({name = "m"}))`, want: cty.StringVal("Hello, m!")},
		{name: "loop and functions", expr: `templatefile("tpl/loop.tmpl", {workers = ["a", "b"]})`,
			want: cty.StringVal("worker-0: A\nworker-1: B\n")},
		{name: "lone interpolation keeps its type", expr: `templatefile("tpl/value.tmpl", {items = [1, 2]})`,
			want: cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)})},
		{name: "unknown var", expr: `templatefile("tpl/greeting.tmpl", {name = unknown.string})`,
			want: cty.UnknownVal(cty.String).Refine().NotNull().StringPrefixFull("Hello, ").NewValue()},
		{name: "missing var", expr: `templatefile("tpl/missing.tmpl", {name = "x"})`,
			err: `vars has no key "nobody", which the template uses at testdata/files/tpl/missing.tmpl:1,6-12; known keys: name`},
		{name: "missing var no keys", expr: `templatefile("tpl/missing.tmpl", {})`, err: `known keys: (none)`},
		{name: "syntax error", expr: `templatefile("tpl/bad.tmpl", {})`, err: `the template tpl/bad.tmpl has a syntax error: testdata/files/tpl/bad.tmpl:1`},
		{name: "nested templatefile", expr: `templatefile("tpl/nested.tmpl", {})`, err: `templatefile cannot be called from inside a template`},
		{name: "missing file", expr: `templatefile("tpl/none.tmpl", {})`, err: `no file exists at tpl/none.tmpl; the path is relative to the configuration directory`},
		{name: "vars not object", expr: `templatefile("tpl/greeting.tmpl", "mltf")`, err: `vars must be a map or an object`},
		{name: "vars null", expr: `templatefile("tpl/greeting.tmpl", null)`, err: `must not be null`},
		{name: "vars bad key", expr: `templatefile("tpl/greeting.tmpl", {"my key" = 1})`, err: `vars key "my key" cannot be used in a template`},
		{name: "yaml params", expr: `yamldecode(templatefile("tpl/params.yaml.tmpl", {lr = 0.05}))`,
			want: cty.ObjectVal(map[string]cty.Value{"lr": cty.MustParseNumberVal("0.05")})},
	})
}
