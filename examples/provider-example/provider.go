package main

import (
	"context"
	"path/filepath"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/sdk"
)

// example is the provider's own state: where its clusters live, known
// once mltf has configured it.
type example struct {
	store *store
}

// New declares the provider: its configuration block and its kinds,
// cluster from mltf's kind table and notebook of its own.
func New() *sdk.Provider {
	e := &example{}
	return &sdk.Provider{
		Schema: &schema.Block{
			Description: "The example provider: pretend clusters kept as files.",
			Attributes: map[string]*schema.Attribute{
				"dir": {Type: cty.String, Optional: true, Description: "Where clusters are kept; default .mltf/example-clusters in the working directory."},
			},
		},
		ConfigureFunc: e.configure,
		Kinds: map[string]*sdk.Kind{
			"cluster":  e.clusterKind(),
			"notebook": e.notebookKind(),
		},
	}
}

func (e *example) configure(_ context.Context, config cty.Value, settings providers.Settings) providers.Diagnostics {
	dir := filepath.Join(settings.WorkDir, ".mltf", "example-clusters")
	if !config.IsNull() {
		if d := config.GetAttr("dir"); !d.IsNull() {
			dir = d.AsString()
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(settings.WorkDir, dir)
			}
		}
	}
	e.store = &store{dir: dir}
	return nil
}

// configured returns the store, or a diagnostic when mltf did not call
// Configure first.
func (e *example) configured() (*store, providers.Diagnostics) {
	if e.store == nil {
		return nil, providers.Diagnostics(nil).Errorf("Provider not configured", "The example provider was used before it was configured.")
	}
	return e.store, nil
}
