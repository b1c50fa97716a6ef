package registry

import (
	"fmt"
	"regexp"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
)

// modelName is what a registry name may hold: it becomes a path segment
// of the registry location.
var modelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// modelConfig is a decoded model configuration (or planned value).
type modelConfig struct {
	Name     string
	From     cty.Value
	RunID    string // "" while unknown
	Aliases  []string
	Pin      int64 // version = N; 0: not pinned
	Gates    []gate
	HasGates bool
}

// decodeModel reads and checks a model configuration; validating is set
// for ValidateConfig, where gates are not handed over yet.
func decodeModel(addr string, v cty.Value, validating bool) (modelConfig, providers.Diagnostics) {
	var diags providers.Diagnostics
	c := modelConfig{Name: stringOr(v.GetAttr("name"), defaultName(addr)), From: v.GetAttr("from")}
	if !modelName.MatchString(c.Name) {
		diags = diags.AttrError(cty.GetAttrPath("name"), "Invalid model name",
			fmt.Sprintf("%q cannot name a model: use letters, digits, '.', '_' and '-', starting with a letter or digit (it becomes part of the registry location models/NAME/VERSION/).", c.Name))
	}
	switch f := c.From; {
	case f.IsNull():
		diags = diags.AttrError(cty.GetAttrPath("from"), "Missing training", "from must name a training, e.g. from = training.mlp.")
	case !f.IsKnown():
	case !f.Type().IsObjectType() || !f.Type().HasAttribute("run_id"):
		diags = diags.AttrError(cty.GetAttrPath("from"), "Invalid from",
			fmt.Sprintf("from must be a training resource, e.g. from = training.mlp, whose run_id becomes a version; got %s.", f.Type().FriendlyName()))
	default:
		r := f.GetAttr("run_id")
		if r.IsKnown() && !r.IsNull() && r.Type() == cty.String {
			c.RunID = r.AsString()
		}
	}
	if a := v.GetAttr("aliases"); !a.IsNull() && a.IsWhollyKnown() {
		seen := map[string]bool{}
		for _, x := range a.AsValueSlice() {
			if x.IsNull() {
				diags = diags.AttrError(cty.GetAttrPath("aliases"), "Invalid alias", "An alias cannot be null.")
				continue
			}
			s := x.AsString()
			switch {
			case !modelName.MatchString(s):
				diags = diags.AttrError(cty.GetAttrPath("aliases"), "Invalid alias",
					fmt.Sprintf("%q cannot name an alias: use letters, digits, '.', '_' and '-'.", s))
			case seen[s]:
				diags = diags.AttrError(cty.GetAttrPath("aliases"), "Duplicate alias", fmt.Sprintf("Alias %q is listed twice.", s))
			}
			seen[s] = true
			c.Aliases = append(c.Aliases, s)
		}
	}
	if pv := v.GetAttr("version"); !pv.IsNull() && pv.IsKnown() {
		bf := pv.AsBigFloat()
		n, acc := bf.Int64()
		if !bf.IsInt() || acc != 0 || n < 1 {
			diags = diags.AttrError(cty.GetAttrPath("version"), "Invalid version", fmt.Sprintf("version pins a version number: 1, 2, ...; got %s.", bf.Text('g', -1)))
		} else {
			c.Pin = n
		}
		if len(c.Aliases) == 0 && v.GetAttr("aliases").IsWhollyKnown() {
			diags = diags.AttrError(cty.GetAttrPath("version"), "Nothing to pin",
				fmt.Sprintf("version = %d pins the model's aliases, but it has none: add aliases = [\"production\"] or remove version.", n))
		}
	}
	gates, ds := gatesOf(v, validating)
	diags = append(diags, ds...)
	c.Gates, c.HasGates = gates, len(gates) > 0
	return c, diags
}

func (p *Provider) validateModel(req providers.ValidateConfigRequest) providers.ValidateConfigResponse {
	if req.Config.IsNull() || !req.Config.IsKnown() {
		return providers.ValidateConfigResponse{}
	}
	c, diags := decodeModel("model.m", req.Config, true)
	for _, g := range c.Gates {
		diags = append(diags, checkSelf(g, "condition", g.Condition)...)
		if g.Message != nil {
			diags = append(diags, checkSelf(g, "message", *g.Message)...)
		}
	}
	return providers.ValidateConfigResponse{Diagnostics: diags}
}
