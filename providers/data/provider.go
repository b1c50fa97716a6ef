package data

import (
	"context"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/data/source"
	"github.com/mltf/mltf/providers/sdk"
)

// Kind is the kind the provider serves.
const Kind = "dataset"

// Provider serves the dataset kind, declared with providers/sdk.
type Provider struct {
	*sdk.Provider

	mu       sync.Mutex
	settings providers.Settings
	// buckets keeps non-file buckets open for the provider's life, so a
	// mem:// bucket is the same one at plan and at apply.
	buckets source.Buckets
}

var _ providers.Interface = (*Provider)(nil)

// New returns an unconfigured data provider.
func New() providers.Interface { return newProvider() }

func newProvider() *Provider {
	p := &Provider{}
	p.Provider = &sdk.Provider{
		Schema: &schema.Block{},
		ConfigureFunc: func(ctx context.Context, _ cty.Value, s providers.Settings) providers.Diagnostics {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.settings = s
			return nil
		},
		Kinds: map[string]*sdk.Kind{Kind: {
			Schema: datasetSchema(),
			// Read keeps the state as it is: a dataset's state is the
			// version that was validated. Changes in the data show at the
			// next plan, which lists the source again and compares
			// fingerprints.
			Validate:     validateKind,
			Plan:         p.planKind,
			Create:       p.applyKind,
			Update:       p.applyKind,
			DeleteReason: "the dataset is forgotten; its data is left in place",
		}},
		CloseFunc: func() error { return p.buckets.Close() },
	}
	return p
}

func validateKind(ctx context.Context, config cty.Value) providers.Diagnostics {
	if config.IsNull() || !config.IsKnown() {
		return nil
	}
	_, diags := decodeConfig(config)
	return diags
}

func (p *Provider) workDir() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.settings.WorkDir
}

func (p *Provider) planKind(ctx context.Context, pl *sdk.Plan) providers.Diagnostics {
	resp := p.plan(ctx, providers.PlanChangeRequest{Kind: Kind, Address: pl.Address, Prior: pl.Prior, PriorPrivate: pl.PriorPrivate,
		Config: pl.Config, Proposed: pl.Proposed})
	pl.Planned, pl.PlannedPrivate, pl.RequiresReplace, pl.Reasons = resp.Planned, resp.PlannedPrivate, resp.RequiresReplace, resp.Reasons
	if pl.Planned == cty.NilVal {
		pl.Planned = cty.UnknownVal(datasetSchema().ImpliedType())
	}
	return resp.Diagnostics
}

func (p *Provider) applyKind(ctx context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
	resp := p.apply(ctx, providers.ApplyChangeRequest{Kind: Kind, Address: c.Address, Prior: c.Prior, PriorPrivate: c.PriorPrivate,
		Planned: c.Planned, PlannedPrivate: c.Private, Config: c.Config, Sensitive: c.Sensitive, Events: c.Event})
	c.Private = resp.Private
	return resp.New, resp.Diagnostics
}

func (p *Provider) Import(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	var d providers.Diagnostics
	return providers.ImportResponse{
		State: cty.NullVal(datasetSchema().ImpliedType()),
		Diagnostics: d.Errorf("Datasets cannot be imported",
			"A dataset has nothing to import: declare it in the configuration and run mltf apply, which validates the data and records version 1."),
	}
}
