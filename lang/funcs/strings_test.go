package funcs

import (
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestStringFunctions(t *testing.T) {
	runCases(t, filesDir, []evalCase{
		{name: "replace literal", expr: `replace("a.b.c", ".", "-")`, want: cty.StringVal("a-b-c")},
		{name: "replace literal keeps regex characters", expr: `replace("1+1", "+", " plus ")`, want: cty.StringVal("1 plus 1")},
		{name: "replace regex", expr: `replace("run-042", "/[0-9]+/", "N")`, want: cty.StringVal("run-N")},
		{name: "replace regex groups", expr: `replace("lr=0.1", "/(\\w+)=(.*)/", "$2:$1")`, want: cty.StringVal("0.1:lr")},
		{name: "replace single slash is literal", expr: `replace("a/b", "/", "_")`, want: cty.StringVal("a_b")},
		{name: "replace bad regex", expr: `replace("x", "/(/", "y")`, err: `a substr wrapped in slashes is a regular expression`},
		{name: "replace unknown", expr: `replace(unknown.string, "a", "b")`, want: cty.UnknownVal(cty.String).RefineNotNull()},

		{name: "startswith yes", expr: `startswith("s3://bucket", "s3://")`, want: cty.True},
		{name: "startswith no", expr: `startswith("gs://bucket", "s3://")`, want: cty.False},
		{name: "endswith", expr: `endswith("model.pt", ".pt")`, want: cty.True},
		{name: "strcontains", expr: `strcontains("nccl-gpu", "gpu")`, want: cty.True},
		{name: "strcontains no", expr: `strcontains("gloo", "gpu")`, want: cty.False},
		{name: "startswith null", expr: `startswith(null, "a")`, err: `argument must not be null`},
	})
}
