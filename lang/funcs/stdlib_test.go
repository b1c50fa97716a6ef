package funcs

import (
	"math/big"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// TestStdlibSample evaluates a sample of the cty stdlib functions through HCL,
// to check that they are wired under the names Terraform uses.
func TestStdlibSample(t *testing.T) {
	runCases(t, filesDir, []evalCase{
		{name: "abs", expr: `abs(-3)`, want: cty.NumberIntVal(3)},
		{name: "ceil", expr: `ceil(1.2)`, want: cty.NumberIntVal(2)},
		{name: "max spread", expr: `max([3, 9, 1]...)`, want: cty.NumberIntVal(9)},
		{name: "parseint hex", expr: `parseint("ff", 16)`, want: cty.NumberIntVal(255)},
		{name: "pow", expr: `pow(2, 10)`, want: cty.NumberVal(new(big.Float).SetInt64(1024))},
		{name: "format", expr: `format("%s-%03d", "run", 7)`, want: cty.StringVal("run-007")},
		{name: "formatlist", expr: `formatlist("w%d", [1, 2])`, want: strList("w1", "w2")},
		{name: "join", expr: `join(",", ["a", "b"])`, want: cty.StringVal("a,b")},
		{name: "split", expr: `split(",", "a,b")`, want: strList("a", "b")},
		{name: "regex", expr: `regex("v([0-9]+)", "v12")`, want: cty.TupleVal([]cty.Value{cty.StringVal("12")})},
		{name: "substr", expr: `substr("training", 0, 5)`, want: cty.StringVal("train")},
		{name: "strrev", expr: `strrev("abc")`, want: cty.StringVal("cba")},
		{name: "title", expr: `title("hello world")`, want: cty.StringVal("Hello World")},
		{name: "trimspace", expr: `trimspace("  x \n")`, want: cty.StringVal("x")},
		{name: "trimprefix", expr: `trimprefix("s3://b", "s3://")`, want: cty.StringVal("b")},
		{name: "lower", expr: `lower("GPU")`, want: cty.StringVal("gpu")},
		{name: "concat", expr: `concat(["a"], ["b"])`, want: strTuple("a", "b")},
		{name: "contains", expr: `contains(["a", "b"], "b")`, want: cty.True},
		{name: "distinct", expr: `distinct(["a", "b", "a"])`, want: strList("a", "b")},
		{name: "element wraps", expr: `element(["a", "b"], 3)`, want: cty.StringVal("b")},
		{name: "flatten", expr: `flatten([["a"], ["b", ["c"]]])`, want: strTuple("a", "b", "c")},
		{name: "keys", expr: `keys({b = 1, a = 2})`, want: strTuple("a", "b")},
		{name: "lookup default", expr: `lookup({a = "x"}, "b", "d")`, want: cty.StringVal("d")},
		{name: "merge", expr: `merge({a = 1}, {b = 2})`, want: cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.NumberIntVal(2)})},
		{name: "range", expr: `range(3)`, want: cty.ListVal([]cty.Value{cty.NumberIntVal(0), cty.NumberIntVal(1), cty.NumberIntVal(2)})},
		{name: "setunion", expr: `setunion(["a"], ["b"])`, want: strSet("a", "b")},
		{name: "sort", expr: `sort(["b", "a"])`, want: strList("a", "b")},
		{name: "zipmap", expr: `zipmap(["a"], [1])`, want: cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1)})},
		{name: "reverse", expr: `reverse(["a", "b"])`, want: strTuple("b", "a")},
		{name: "jsonencode", expr: `jsonencode({lr = 0.1})`, want: cty.StringVal(`{"lr":0.1}`)},
		{name: "jsondecode", expr: `jsondecode("[1]")`, want: cty.TupleVal([]cty.Value{cty.NumberIntVal(1)})},
		{name: "csvdecode", expr: `csvdecode("a,b\n1,2\n")`, want: cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("1"), "b": cty.StringVal("2")})})},
		{name: "yamldecode", expr: `yamldecode("lr: 0.5\nlayers: [1, 2]")`, want: cty.ObjectVal(map[string]cty.Value{
			"lr": cty.NumberFloatVal(0.5), "layers": cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)})})},
		{name: "yamlencode", expr: `yamlencode({a = "b"})`, want: cty.StringVal("\"a\": \"b\"\n")},
		{name: "tonumber", expr: `tonumber("3")`, want: cty.NumberIntVal(3)},
		{name: "tobool bad", expr: `tobool("yes")`, err: `only the strings "true" or "false" are allowed`},
		{name: "toset", expr: `toset(["a", "a"])`, want: strSet("a")},
		{name: "tomap", expr: `tomap({a = "x"})`, want: cty.MapVal(map[string]cty.Value{"a": cty.StringVal("x")})},
		{name: "try", expr: `try(jsondecode("{"), "fallback")`, want: cty.StringVal("fallback")},
		{name: "can", expr: `can(regex("^[a-z]+$", "ABC"))`, want: cty.False},
		{name: "formatdate", expr: `formatdate("YYYY-MM-DD", "2024-03-01T10:00:00Z")`, want: cty.StringVal("2024-03-01")},
		{name: "timeadd", expr: `timeadd("2024-03-01T10:00:00Z", "90m")`, want: cty.StringVal("2024-03-01T11:30:00Z")},
	})
}
