package registry

import (
	"context"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state/tracking"
)

// Provider serves the registry kinds.
type Provider struct {
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
func New() *Provider { return &Provider{} }

func (p *Provider) GetSchema(ctx context.Context) providers.GetSchemaResponse {
	return providers.GetSchemaResponse{
		Provider: &schema.Block{},
		Kinds: map[string]providers.Kind{
			"experiment": {Block: experimentSchema(), Importable: true},
			"model":      {Block: modelSchema()},
		},
	}
}

func (p *Provider) ValidateConfig(ctx context.Context, req providers.ValidateConfigRequest) providers.ValidateConfigResponse {
	if req.Kind == "model" {
		return p.validateModel(req)
	}
	return providers.ValidateConfigResponse{}
}

func (p *Provider) Configure(ctx context.Context, req providers.ConfigureRequest) providers.ConfigureResponse {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settings = req.Settings
	var diags providers.Diagnostics
	if p.store == nil {
		st, err := tracking.Open(ctx, req.Settings.TrackingURL, req.Settings.WorkDir)
		if err != nil {
			return providers.ConfigureResponse{Diagnostics: diags.FromError("Cannot open the tracking store", err)}
		}
		p.store = st
	}
	return providers.ConfigureResponse{}
}

func (p *Provider) PlanChange(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	switch req.Kind {
	case "experiment":
		return p.planExperiment(ctx, req)
	case "model":
		return p.planModel(ctx, req)
	}
	return providers.PlanChangeResponse{Diagnostics: unknownKind(req.Kind)}
}

func (p *Provider) ApplyChange(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	switch req.Kind {
	case "experiment":
		return p.applyExperiment(ctx, req)
	case "model":
		return p.applyModel(ctx, req)
	}
	return providers.ApplyChangeResponse{Diagnostics: unknownKind(req.Kind)}
}

func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	switch req.Kind {
	case "experiment":
		return p.readExperiment(ctx, req)
	case "model":
		return p.readModel(ctx, req)
	}
	return providers.ReadResponse{Diagnostics: unknownKind(req.Kind)}
}

func (p *Provider) Import(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	switch req.Kind {
	case "experiment":
		return p.importExperiment(ctx, req)
	}
	return providers.ImportResponse{Diagnostics: unknownKind(req.Kind)}
}

func (p *Provider) Stop(ctx context.Context) error { return nil }

func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.store != nil {
		err := p.store.Close()
		p.store = nil
		return err
	}
	return nil
}

func unknownKind(kind string) providers.Diagnostics {
	var d providers.Diagnostics
	return d.Errorf("Unsupported kind", "The registry provider has no kind %q.", kind)
}

func stringOr(v cty.Value, def string) string {
	if v.IsNull() || !v.IsKnown() {
		return def
	}
	return v.AsString()
}
