package funcs

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// filesDir is the configuration directory the table tests run in.
const filesDir = "testdata/files"

// ctyEqual compares cty values by their Go syntax, which shows types,
// unknowns and refinements, and reads well in a diff.
var ctyEqual = cmp.Transformer("cty", func(v cty.Value) string { return v.GoString() })

// evalExpr evaluates src as an HCL expression with Functions(dir, planning).
func evalExpr(t *testing.T, dir string, planning bool, src string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.mltf.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse %s: %s", src, diags.Error())
	}
	return expr.Value(&hcl.EvalContext{Variables: testVars, Functions: Functions(dir, planning)})
}

// testVars are values not known until apply, for the cases that check
// unknowns pass through.
var testVars = map[string]cty.Value{
	"unknown": cty.ObjectVal(map[string]cty.Value{
		"string": cty.UnknownVal(cty.String),
		"bool":   cty.UnknownVal(cty.Bool),
		"list":   cty.UnknownVal(cty.List(cty.String)),
	}),
}

// evalCase is one named expression and what it must give: a value, or an
// error whose text contains err.
type evalCase struct {
	name string
	expr string
	want cty.Value
	err  string
}

func runCases(t *testing.T, dir string, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := evalExpr(t, dir, false, tc.expr)
			if tc.err != "" {
				if !diags.HasErrors() {
					t.Fatalf("%s = %#v, want an error containing %q", tc.expr, got, tc.err)
				}
				if !strings.Contains(diags.Error(), tc.err) {
					t.Fatalf("%s: error\n  %s\nwant it to contain %q", tc.expr, diags.Error(), tc.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("%s: %s", tc.expr, diags.Error())
			}
			if diff := cmp.Diff(tc.want, got, ctyEqual); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.expr, diff)
			}
		})
	}
}

func strList(ss ...string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

func strSet(ss ...string) cty.Value {
	if len(ss) == 0 {
		return cty.SetValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.SetVal(vals)
}

func TestFunctionsHasTerraformNames(t *testing.T) {
	want := strings.Fields(`abs ceil floor log max min parseint pow signum chomp format formatlist
		indent join lower upper regex regexall replace split strrev substr title trim trimprefix
		trimsuffix trimspace alltrue anytrue chunklist coalesce coalescelist compact concat contains
		distinct element flatten index keys length lookup merge one range reverse setintersection
		setproduct setsubtract setunion slice sort sum transpose values zipmap base64encode
		base64decode csvdecode jsonencode jsondecode urlencode tobool tolist tomap tonumber toset
		tostring try can startswith endswith strcontains file fileexists fileset templatefile
		yamlencode yamldecode sha1 sha256 sha512 md5 filesha256 filemd5 abspath basename dirname
		pathexpand timestamp uuid formatdate timeadd`)
	fns := Functions(".", false)
	for _, name := range want {
		if _, ok := fns[name]; !ok {
			t.Errorf("Functions has no %q", name)
		}
	}
}

func TestFunctionsReturnsFreshMap(t *testing.T) {
	a := Functions(".", false)
	delete(a, "file")
	if _, ok := Functions(".", false)["file"]; !ok {
		t.Fatal("deleting from one table changed the next one")
	}
}

func strTuple(ss ...string) cty.Value {
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.TupleVal(vals)
}

func TestFunctionsAreDescribed(t *testing.T) {
	for name, fn := range Functions(".", false) {
		if fn.Description() == "" {
			t.Errorf("%s has no description", name)
		}
	}
}
