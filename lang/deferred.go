package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Deferred is an Expression attribute as the provider that evaluates it
// receives it (schema.ExpressionValue makes it): the source text, where
// it was written, and the values of its references other than self.
type Deferred struct {
	Source   string
	Filename string
	Line     int
	Column   int
	Scope    map[string]cty.Value
}

// DecodeDeferred reads {source, filename, line, column, scope}; ok is
// false when v is not such a value or holds no source. Values in the
// scope may be unknown.
func DecodeDeferred(v cty.Value) (d Deferred, ok bool) {
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() {
		return Deferred{}, false
	}
	for _, a := range []string{"source", "filename", "line", "column", "scope"} {
		// The scope may hold values known only after apply; the rest
		// is the expression itself.
		if !v.Type().HasAttribute(a) || (a != "scope" && !v.GetAttr(a).IsKnown()) || !v.GetAttr("scope").IsKnown() {
			return Deferred{}, false
		}
	}
	d = Deferred{Scope: map[string]cty.Value{}}
	if s := v.GetAttr("source"); s.Type() == cty.String && !s.IsNull() {
		d.Source = s.AsString()
	}
	if s := v.GetAttr("filename"); s.Type() == cty.String && !s.IsNull() {
		d.Filename = s.AsString()
	}
	d.Line, d.Column = intValue(v.GetAttr("line")), intValue(v.GetAttr("column"))
	if sc := v.GetAttr("scope"); !sc.IsNull() && (sc.Type().IsObjectType() || sc.Type().IsMapType()) {
		for k, x := range sc.AsValueMap() {
			d.Scope[k] = x
		}
	}
	return d, d.Source != ""
}

func intValue(v cty.Value) int {
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		return 0
	}
	i, _ := v.AsBigFloat().Int64()
	return int(i)
}

// Where is "file:line" of the expression.
func (d Deferred) Where() string { return fmt.Sprintf("%s:%d", d.Filename, d.Line) }

// Parse parses the source at the place it was written, so diagnostics
// point into the user's file.
func (d Deferred) Parse() (hcl.Expression, hcl.Diagnostics) {
	return hclsyntax.ParseExpression([]byte(d.Source), d.Filename, hcl.Pos{Line: d.Line, Column: d.Column, Byte: 0})
}

// Context is the expression's evaluation context: its scope, self bound
// to what the provider knows, and the function table (lang/funcs).
func (d Deferred) Context(self cty.Value, functions map[string]function.Function) *hcl.EvalContext {
	vars := make(map[string]cty.Value, len(d.Scope)+1)
	for k, v := range d.Scope {
		vars[k] = v
	}
	vars["self"] = self
	return &hcl.EvalContext{Variables: vars, Functions: functions}
}
