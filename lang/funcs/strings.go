package funcs

import (
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// replaceFunc is Terraform's replace: a substring written as /pattern/ is a
// regular expression (RE2), and the replacement may use $1 or ${name};
// anything else is replaced literally.
var replaceFunc = function.New(&function.Spec{
	Description: "Replaces each occurrence of substr in str with replace. A substr wrapped in slashes (/re/) is a regular expression.",
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		substr := args[1].AsString()
		if len(substr) > 1 && strings.HasPrefix(substr, "/") && strings.HasSuffix(substr, "/") {
			re := cty.StringVal(substr[1 : len(substr)-1])
			v, err := stdlib.RegexReplace(args[0], re, args[2])
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(1, "%s (a substr wrapped in slashes is a regular expression)", err)
			}
			return v, nil
		}
		return cty.StringVal(strings.ReplaceAll(args[0].AsString(), substr, args[2].AsString())), nil
	},
})

// stringTest builds a function of two strings that returns a bool.
func stringTest(desc, second string, test func(s, t string) bool) function.Function {
	return function.New(&function.Spec{
		Description: desc,
		Params: []function.Parameter{
			{Name: "str", Type: cty.String},
			{Name: second, Type: cty.String},
		},
		Type:         function.StaticReturnType(cty.Bool),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(test(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

var (
	startsWithFunc  = stringTest("Returns true if str begins with prefix.", "prefix", strings.HasPrefix)
	endsWithFunc    = stringTest("Returns true if str ends with suffix.", "suffix", strings.HasSuffix)
	strContainsFunc = stringTest("Returns true if str contains substr.", "substr", strings.Contains)
)
