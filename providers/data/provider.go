package data

import (
	"context"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/data/source"
)

// Kind is the kind the provider serves.
const Kind = "dataset"

// Provider serves the dataset kind.
type Provider struct {
	mu       sync.Mutex
	settings providers.Settings
	// buckets keeps non-file buckets open for the provider's life, so a
	// mem:// bucket is the same one at plan and at apply.
	buckets source.Buckets
	// stop is cancelled by Stop; calls derive their context from it.
	stop       context.Context
	cancelStop context.CancelFunc
}

var _ providers.Interface = (*Provider)(nil)

// New returns an unconfigured data provider.
func New() providers.Interface { return newProvider() }

func newProvider() *Provider {
	p := &Provider{}
	p.stop, p.cancelStop = context.WithCancel(context.Background())
	return p
}

func (p *Provider) GetSchema(ctx context.Context) providers.GetSchemaResponse {
	return providers.GetSchemaResponse{
		Provider: &schema.Block{},
		Kinds:    map[string]providers.Kind{Kind: {Block: datasetSchema()}},
	}
}

func (p *Provider) ValidateConfig(ctx context.Context, req providers.ValidateConfigRequest) providers.ValidateConfigResponse {
	if req.Kind != Kind {
		return providers.ValidateConfigResponse{Diagnostics: unknownKind(req.Kind)}
	}
	if req.Config.IsNull() || !req.Config.IsKnown() {
		return providers.ValidateConfigResponse{}
	}
	_, diags := decodeConfig(req.Config)
	return providers.ValidateConfigResponse{Diagnostics: diags}
}

func (p *Provider) Configure(ctx context.Context, req providers.ConfigureRequest) providers.ConfigureResponse {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settings = req.Settings
	return providers.ConfigureResponse{}
}

func (p *Provider) workDir() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.settings.WorkDir
}

// withStop returns a context that ends with ctx or at Stop.
func (p *Provider) withStop(ctx context.Context) (context.Context, context.CancelFunc) {
	p.mu.Lock()
	stop := p.stop
	p.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	unhook := context.AfterFunc(stop, cancel)
	return ctx, func() { unhook(); cancel() }
}

func (p *Provider) PlanChange(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	if req.Kind != Kind {
		return providers.PlanChangeResponse{Diagnostics: unknownKind(req.Kind)}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return p.plan(ctx, req)
}

func (p *Provider) ApplyChange(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	if req.Kind != Kind {
		return providers.ApplyChangeResponse{Diagnostics: unknownKind(req.Kind)}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return p.apply(ctx, req)
}

// Read keeps the state as it is: a dataset's state is the version that was
// validated. Changes in the data show at the next plan, which lists the
// source again and compares fingerprints.
func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	if req.Kind != Kind {
		return providers.ReadResponse{Diagnostics: unknownKind(req.Kind)}
	}
	return providers.ReadResponse{New: req.Current, Private: req.Private}
}

func (p *Provider) Import(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	var d providers.Diagnostics
	return providers.ImportResponse{
		State: cty.NullVal(datasetSchema().ImpliedType()),
		Diagnostics: d.Errorf("Datasets cannot be imported",
			"A dataset has nothing to import: declare it in the configuration and run mltf apply, which validates the data and records version 1."),
	}
}

// Stop cancels every call in flight; later calls run normally.
func (p *Provider) Stop(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cancelStop()
	p.stop, p.cancelStop = context.WithCancel(context.Background())
	return nil
}

func (p *Provider) Close() error {
	p.mu.Lock()
	p.cancelStop()
	p.mu.Unlock()
	return p.buckets.Close()
}

func unknownKind(kind string) providers.Diagnostics {
	var d providers.Diagnostics
	return d.Errorf("Unsupported kind", "The data provider serves only the dataset kind, not %q.", kind)
}
