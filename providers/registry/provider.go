package registry

import (
	"context"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/sdk"
	"github.com/mltf/mltf/state/tracking"
)

// Provider serves the registry kinds, declared with providers/sdk.
type Provider struct {
	*sdk.Provider

	mu       sync.Mutex
	settings providers.Settings
	store    *tracking.Store

	// experiments caches the tracking store's experiments by id for the
	// life of the provider process (one mltf command): refreshing N
	// experiments is one query, not N.
	cacheMu     sync.Mutex
	experiments map[string]tracking.Experiment
}

var _ providers.Interface = (*Provider)(nil)

// New returns an unconfigured registry provider.
func New() *Provider {
	p := &Provider{}
	p.Provider = &sdk.Provider{
		Schema:        &schema.Block{},
		ConfigureFunc: p.configure,
		Kinds: map[string]*sdk.Kind{
			"experiment": {
				Schema: experimentSchema(),
				Plan:   planWith(p.planExperiment),
				Create: applyWith(p.applyExperiment),
				Update: applyWith(p.applyExperiment),
				Delete: deleteWith(p.applyExperiment),
				Read:   readWith(p.readExperiment),
				Import: func(ctx context.Context, r *sdk.Import) (cty.Value, providers.Diagnostics) {
					resp := p.importExperiment(ctx, providers.ImportRequest{Kind: "experiment", ID: r.ID})
					r.Private = resp.Private
					return resp.State, resp.Diagnostics
				},
			},
			"model": {
				Schema: modelSchema(),
				Validate: func(ctx context.Context, config cty.Value) providers.Diagnostics {
					return p.validateModel(providers.ValidateConfigRequest{Kind: "model", Config: config}).Diagnostics
				},
				Plan:   planWith(p.planModel),
				Create: applyWith(p.applyModel),
				Update: applyWith(p.applyModel),
				Delete: deleteWith(p.applyModel),
				Read:   readWith(p.readModel),
			},
		},
		CloseFunc: p.close,
	}
	return p
}

func (p *Provider) configure(ctx context.Context, _ cty.Value, s providers.Settings) providers.Diagnostics {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settings = s
	if p.store == nil {
		st, err := tracking.Open(ctx, s.TrackingURL, s.WorkDir)
		if err != nil {
			return providers.Diagnostics{}.FromError("Cannot open the tracking store", err)
		}
		p.store = st
	}
	return nil
}

func (p *Provider) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.store != nil {
		err := p.store.Close()
		p.store = nil
		return err
	}
	return nil
}

// planWith, applyWith, deleteWith and readWith serve a kind's lifecycle
// from functions written against the provider interface's requests.
func planWith(plan func(context.Context, providers.PlanChangeRequest) providers.PlanChangeResponse) func(context.Context, *sdk.Plan) providers.Diagnostics {
	return func(ctx context.Context, pl *sdk.Plan) providers.Diagnostics {
		resp := plan(ctx, providers.PlanChangeRequest{Address: pl.Address, Prior: pl.Prior, PriorPrivate: pl.PriorPrivate, Config: pl.Config, Proposed: pl.Proposed})
		pl.Planned, pl.PlannedPrivate, pl.RequiresReplace, pl.Reasons = resp.Planned, resp.PlannedPrivate, resp.RequiresReplace, resp.Reasons
		if pl.Planned == cty.NilVal {
			pl.Planned = cty.DynamicVal
		}
		return resp.Diagnostics
	}
}

func applyWith(apply func(context.Context, providers.ApplyChangeRequest) providers.ApplyChangeResponse) func(context.Context, *sdk.Change) (cty.Value, providers.Diagnostics) {
	return func(ctx context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
		resp := apply(ctx, providers.ApplyChangeRequest{Address: c.Address, Prior: c.Prior, PriorPrivate: c.PriorPrivate,
			Planned: c.Planned, PlannedPrivate: c.Private, Config: c.Config, Sensitive: c.Sensitive, Events: c.Event})
		c.Private = resp.Private
		return resp.New, resp.Diagnostics
	}
}

func deleteWith(apply func(context.Context, providers.ApplyChangeRequest) providers.ApplyChangeResponse) func(context.Context, *sdk.Change) providers.Diagnostics {
	return func(ctx context.Context, c *sdk.Change) providers.Diagnostics {
		return apply(ctx, providers.ApplyChangeRequest{Address: c.Address, Prior: c.Prior, PriorPrivate: c.PriorPrivate,
			Planned: cty.NullVal(c.Prior.Type()), Config: cty.NullVal(c.Prior.Type()), Sensitive: c.Sensitive, Events: c.Event}).Diagnostics
	}
}

func readWith(read func(context.Context, providers.ReadRequest) providers.ReadResponse) func(context.Context, *sdk.Read) (cty.Value, providers.Diagnostics) {
	return func(ctx context.Context, r *sdk.Read) (cty.Value, providers.Diagnostics) {
		resp := read(ctx, providers.ReadRequest{Address: r.Address, Current: r.Current, Private: r.Private})
		r.Private = resp.Private
		return resp.New, resp.Diagnostics
	}
}

func stringOr(v cty.Value, def string) string {
	if v.IsNull() || !v.IsKnown() {
		return def
	}
	return v.AsString()
}
