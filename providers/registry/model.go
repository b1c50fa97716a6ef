package registry

import (
	"encoding/json"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

// gateResultType is one entry of gate_results: one gate of one alias,
// evaluated for one candidate version.
var gateResultType = cty.Object(map[string]cty.Type{
	"alias":     cty.String,
	"candidate": cty.Number, // the version the alias would move to
	"current":   cty.Number, // where the alias pointed; null: nowhere
	"gate":      cty.Number, // the gate's index, from 0
	"passed":    cty.Bool,
	"message":   cty.String,
	"values":    cty.String, // what the condition compared: "self.candidate.metrics.accuracy = 0.97, ..."
})

func modelSchema() *schema.Block {
	return &schema.Block{
		Description: "A registered model: numbered versions from a training's runs, aliases moved through gates, lineage and an audited alias history.",
		Attributes: map[string]*schema.Attribute{
			"from":    {Type: cty.DynamicPseudoType, Required: true, Description: "The training whose runs become versions, e.g. training.mlp."},
			"name":    {Type: cty.String, Optional: true, Computed: true, Description: "Name in the registry; defaults to the block's label."},
			"aliases": {Type: cty.List(cty.String), Optional: true, Description: `Names that point at a version, e.g. ["production"]; each moves to a new version when every gate holds.`},
			"version": {Type: cty.Number, Optional: true, Description: "Pin every alias to this version (a rollback); gates are not evaluated for a pin."},

			"latest_version": {Type: cty.Number, Computed: true, Description: "The version registered from the run of from."},
			"aliases_at":     {Type: cty.Map(cty.Number), Computed: true, Description: "Where each alias points, by alias; an alias that never passed its gates is absent."},
			"uri":            {Type: cty.String, Computed: true, Description: "Registry location (blob URL prefix) of the version the first alias points at; without aliases, of latest_version."},
			"gate_results":   {Type: cty.List(gateResultType), Computed: true, Description: "The last evaluation of every gate for every alias."},
		},
		Blocks: map[string]*schema.NestedBlock{
			"gate": {Nesting: schema.NestingList, Block: schema.Block{
				Description: "A condition every alias move needs; self.candidate is the new version, self.current the version the alias holds (or null).",
				Attributes: map[string]*schema.Attribute{
					"condition": {Type: cty.DynamicPseudoType, Required: true, Expression: true, Description: "A boolean expression over self.candidate and self.current: {version, run_id, metrics, params, fingerprint}."},
					"message":   {Type: cty.DynamicPseudoType, Optional: true, Expression: true, Description: "Why the move is refused when the condition is false; may use self too."},
				},
			}},
		},
	}
}

// modelPrivate is what the provider keeps beside a model's value.
type modelPrivate struct {
	// Aliases is where mltf last put each alias it manages: Read shows
	// the registry, and a plan moves an alias moved outside mltf back.
	Aliases map[string]int64 `json:"aliases,omitempty"`
	// Evaluated is the candidate version each unpinned alias's gates were
	// last evaluated for: the gates of a version run once.
	Evaluated map[string]int64 `json:"evaluated,omitempty"`
}

func decodeModelPrivate(b []byte) modelPrivate {
	var p modelPrivate
	if len(b) > 0 {
		_ = json.Unmarshal(b, &p)
	}
	if p.Aliases == nil {
		p.Aliases = map[string]int64{}
	}
	if p.Evaluated == nil {
		p.Evaluated = map[string]int64{}
	}
	return p
}

func (p modelPrivate) encode() []byte {
	b, _ := json.Marshal(p)
	return b
}
