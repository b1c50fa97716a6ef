package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"}, {Name: "default"}, {Name: "description"}, {Name: "sensitive"}, {Name: "nullable"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true}, {Name: "error_message", Required: true},
	},
}

func decodeVariable(b *hcl.Block) (*Variable, hcl.Diagnostics) {
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType, Nullable: true, DeclRange: b.DefRange}
	content, diags := b.Body.Content(variableSchema)
	if a, ok := content.Attributes["type"]; ok {
		ty, defs, ds := typeexpr.TypeConstraintWithDefaults(a.Expr)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			v.Type, v.Defaults = ty, defs
		}
	}
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &v.Description)...)
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &v.Sensitive)...)
	}
	if a, ok := content.Attributes["nullable"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &v.Nullable)...)
	}
	if a, ok := content.Attributes["default"]; ok {
		val, ds := a.Expr.Value(nil)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if v.Defaults != nil {
				val = v.Defaults.Apply(val)
			}
			conv, err := convert.Convert(val, v.Type)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid default value for variable",
					Detail:   "The default does not match the variable's type: " + err.Error() + ".",
					Subject:  a.Expr.Range().Ptr(),
				})
			} else {
				v.Default = conv
			}
		}
	}
	for _, vb := range content.Blocks {
		c, ds := vb.Body.Content(validationSchema)
		diags = append(diags, ds...)
		val := &Validation{DeclRange: vb.DefRange}
		if a, ok := c.Attributes["condition"]; ok {
			val.Condition = a.Expr
			for _, t := range a.Expr.Variables() {
				if t.RootName() != "var" {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Invalid reference in variable validation",
						Detail:   "A validation condition may refer only to variables (var.NAME).",
						Subject:  t.SourceRange().Ptr(),
					})
				}
			}
		}
		if a, ok := c.Attributes["error_message"]; ok {
			val.ErrorMessage = a.Expr
		}
		if val.Condition != nil && val.ErrorMessage != nil {
			v.Validations = append(v.Validations, val)
		}
	}
	return v, diags
}

var outputSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "value", Required: true}, {Name: "description"}, {Name: "sensitive"}, {Name: "depends_on"},
	},
}

func (c *Config) decodeOutput(b *hcl.Block) (*Output, hcl.Diagnostics) {
	o := &Output{Name: b.Labels[0], DeclRange: b.DefRange}
	content, diags := b.Body.Content(outputSchema)
	if a, ok := content.Attributes["value"]; ok {
		o.Expr = a.Expr
	}
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &o.Description)...)
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &o.Sensitive)...)
	}
	if a, ok := content.Attributes["depends_on"]; ok {
		ts, ds := c.decodeDependsOn(a)
		diags = append(diags, ds...)
		o.DependsOn = ts
	}
	return o, diags
}
