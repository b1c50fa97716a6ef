package sdk

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin"
)

// Provider is a provider declared with the SDK. Its zero value (plus
// Kinds) is ready to use; it must not be copied after first use.
type Provider struct {
	// Schema is the schema of the provider "NAME" {} block; nil when the
	// provider takes no configuration.
	Schema *schema.Block
	// ConfigureFunc, when set, receives the provider block's value (null
	// when absent) and the project's settings before any other call but
	// GetSchema and ValidateConfig.
	ConfigureFunc func(ctx context.Context, config cty.Value, settings providers.Settings) providers.Diagnostics
	// Kinds are the kinds the provider serves, by name: kinds of mltf's
	// table ("cluster", "training"...) or kinds of its own.
	Kinds map[string]*Kind
	// CloseFunc, when set, releases what the provider holds (connections,
	// stores) when mltf is done with it.
	CloseFunc func() error

	mu       sync.Mutex
	stopCtx  context.Context
	stopFunc context.CancelFunc
	types    sync.Map // *schema.Block -> its implied cty.Type
}

var _ providers.Interface = (*Provider)(nil)

// Serve serves p as a plugin process; call it from the provider's main.
func Serve(p *Provider) { plugin.Serve(p) }

// withStop derives a context that Stop also cancels.
func (p *Provider) withStop(ctx context.Context) (context.Context, context.CancelFunc) {
	p.mu.Lock()
	if p.stopCtx == nil {
		p.stopCtx, p.stopFunc = context.WithCancel(context.Background())
	}
	stop := p.stopCtx
	p.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	unregister := context.AfterFunc(stop, cancel)
	return ctx, func() { unregister(); cancel() }
}

// Stop cancels the contexts of every call in flight; calls made after it
// run normally.
func (p *Provider) Stop(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopFunc != nil {
		p.stopFunc()
	}
	p.stopCtx, p.stopFunc = context.WithCancel(context.Background())
	return nil
}

// Close calls CloseFunc, if any.
func (p *Provider) Close() error {
	if p.CloseFunc == nil {
		return nil
	}
	return p.CloseFunc()
}

// typeOf is the implied type of b, worked out once: every call of a
// kind conforms values to it.
func (p *Provider) typeOf(b *schema.Block) cty.Type {
	if ty, ok := p.types.Load(b); ok {
		return ty.(cty.Type)
	}
	ty := b.ImpliedType()
	p.types.Store(b, ty)
	return ty
}

func (p *Provider) kind(name string) (*Kind, providers.Diagnostics) {
	k, ok := p.Kinds[name]
	if !ok || k == nil {
		names := make([]string, 0, len(p.Kinds))
		for n := range p.Kinds {
			names = append(names, fmt.Sprintf("%q", n))
		}
		sort.Strings(names)
		return nil, providers.Diagnostics(nil).Errorf("Unsupported kind",
			"This provider has no kind %q; its kinds are %s.", name, strings.Join(names, ", "))
	}
	return k, nil
}

func (p *Provider) GetSchema(context.Context) providers.GetSchemaResponse {
	ret := providers.GetSchemaResponse{Provider: p.Schema, Kinds: make(map[string]providers.Kind, len(p.Kinds))}
	for name, k := range p.Kinds {
		if k == nil || k.Schema == nil {
			ret.Diagnostics = ret.Diagnostics.Errorf("Invalid provider schema", "Kind %q has no schema. This is a bug in the provider.", name)
			continue
		}
		ret.Kinds[name] = providers.Kind{Block: k.Schema, Version: k.Version, Importable: k.Import != nil, LongRunning: k.LongRunning}
	}
	return ret
}

func (p *Provider) ValidateConfig(ctx context.Context, req providers.ValidateConfigRequest) providers.ValidateConfigResponse {
	k, diags := p.kind(req.Kind)
	if diags.HasErrors() {
		return providers.ValidateConfigResponse{Diagnostics: diags}
	}
	if _, err := conform(req.Config, p.typeOf(k.Schema)); err != nil {
		return providers.ValidateConfigResponse{Diagnostics: diags.Errorf("Invalid configuration", "%s", err)}
	}
	if k.Validate == nil {
		return providers.ValidateConfigResponse{}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return providers.ValidateConfigResponse{Diagnostics: k.Validate(ctx, req.Config)}
}

func (p *Provider) Configure(ctx context.Context, req providers.ConfigureRequest) providers.ConfigureResponse {
	if p.ConfigureFunc == nil {
		return providers.ConfigureResponse{}
	}
	cfg := req.Config
	if cfg.Type() == cty.NilType {
		cfg = cty.NullVal(p.Schema.ImpliedType())
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return providers.ConfigureResponse{Diagnostics: p.ConfigureFunc(ctx, cfg, req.Settings)}
}

func (p *Provider) Read(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	k, diags := p.kind(req.Kind)
	if diags.HasErrors() {
		return providers.ReadResponse{Diagnostics: diags}
	}
	if k.Read == nil || isNull(req.Current) {
		return providers.ReadResponse{New: req.Current, Private: req.Private}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	r := &Read{Address: req.Address, Current: req.Current, Private: req.Private}
	nv, diags := k.Read(ctx, r)
	if nv.Type() == cty.NilType {
		nv = req.Current
	}
	nv, diags = checkResult(nv, p.typeOf(k.Schema), req.Address, "Read", diags)
	return providers.ReadResponse{New: nv, Private: r.Private, Diagnostics: diags}
}

func (p *Provider) Import(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	k, diags := p.kind(req.Kind)
	if diags.HasErrors() {
		return providers.ImportResponse{Diagnostics: diags}
	}
	if k.Import == nil {
		return providers.ImportResponse{Diagnostics: diags.Errorf("Import not supported",
			"Resources of kind %q cannot be imported by this provider.", req.Kind)}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	r := &Import{ID: req.ID}
	st, diags := k.Import(ctx, r)
	if diags.HasErrors() {
		return providers.ImportResponse{Diagnostics: diags}
	}
	if isNull(st) {
		return providers.ImportResponse{Diagnostics: diags.Errorf("Object not found",
			"There is no %s with id %q to import.", req.Kind, req.ID)}
	}
	st, diags = checkResult(st, p.typeOf(k.Schema), fmt.Sprintf("%s %q", req.Kind, req.ID), "Import", diags)
	return providers.ImportResponse{State: st, Private: r.Private, Diagnostics: diags}
}

func isNull(v cty.Value) bool { return v.Type() == cty.NilType || v.IsNull() }
