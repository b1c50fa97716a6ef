package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"
)

var settingsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "required_version"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "state"}, {Type: "tracking"}, {Type: "artifacts"}, {Type: "required_providers"}, {Type: "encryption"},
	},
}

var urlSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "url", Required: true}}}

func decodeSettings(b *hcl.Block) (*Settings, hcl.Diagnostics) {
	s := &Settings{DeclRange: b.DefRange, RequiredProviders: map[string]*RequiredProvider{}}
	content, diags := b.Body.Content(settingsSchema)
	if a, ok := content.Attributes["required_version"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &s.RequiredVersion)...)
	}
	seen := map[string]hcl.Range{}
	for _, blk := range content.Blocks {
		if prev, ok := seen[blk.Type]; ok {
			diags = append(diags, duplicate(blk.Type+" block", "", prev, blk.DefRange))
			continue
		}
		seen[blk.Type] = blk.DefRange
		if blk.Type == "encryption" {
			// Decoded by state/encryption, with the variables' values.
			s.Encryption = &EncryptionBlock{Body: blk.Body, DeclRange: blk.DefRange}
			continue
		}
		if blk.Type == "required_providers" {
			rps, ds := decodeRequiredProviders(blk)
			diags = append(diags, ds...)
			s.RequiredProviders = rps
			continue
		}
		c, ds := blk.Body.Content(urlSchema)
		diags = append(diags, ds...)
		a, ok := c.Attributes["url"]
		if !ok {
			continue
		}
		var url string
		diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &url)...)
		switch blk.Type {
		case "state":
			s.StateURL = url
		case "tracking":
			s.TrackingURL = url
		case "artifacts":
			s.ArtifactsURL = url
		}
	}
	return s, diags
}

func decodeRequiredProviders(b *hcl.Block) (map[string]*RequiredProvider, hcl.Diagnostics) {
	ret := map[string]*RequiredProvider{}
	attrs, diags := b.Body.JustAttributes()
	for name, a := range attrs {
		v, ds := a.Expr.Value(nil)
		diags = append(diags, ds...)
		if ds.HasErrors() {
			continue
		}
		rp := &RequiredProvider{Name: name, DeclRange: a.Range}
		if !v.Type().IsObjectType() && !v.Type().IsMapType() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid required_providers entry",
				Detail:   fmt.Sprintf(`The entry for %q must be an object: %s = { source = "...", version = ">= 1.0" }.`, name, name),
				Subject:  a.Expr.Range().Ptr(),
			})
			continue
		}
		for k, ev := range v.AsValueMap() {
			if ev.IsNull() || ev.Type() != cty.String {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid required_providers entry", Detail: fmt.Sprintf("%s.%s must be a string.", name, k), Subject: a.Expr.Range().Ptr()})
				continue
			}
			switch k {
			case "source":
				rp.Source = ev.AsString()
			case "version":
				rp.Version = ev.AsString()
			default:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid required_providers entry", Detail: fmt.Sprintf("Unknown key %q in the entry for %q; the keys are source and version.", k, name), Subject: a.Expr.Range().Ptr()})
			}
		}
		ret[name] = rp
	}
	return ret, diags
}
