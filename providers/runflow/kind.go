package runflow

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/sdk"
)

// Kind is the training kind carried out by f: its schema (the kind's,
// which the backend may have extended with its options {} block) and its
// lifecycle, for a provider's sdk.Provider.Kinds.
func (f *Flow) Kind(s *schema.Block) *sdk.Kind {
	return &sdk.Kind{
		Schema:      s,
		Version:     1,
		LongRunning: true,
		Validate: func(ctx context.Context, config cty.Value) providers.Diagnostics {
			_, diags := f.Backend.Decode(config)
			return diags
		},
		Plan:   f.Plan,
		Create: f.Apply,
		Update: f.Apply,
		Delete: f.Destroy,
		Read:   f.Read,
	}
}
