package plugin

import (
	"context"
	"fmt"
	"sync"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// GRPCProvider is a provider running as a plugin process, seen through
// providers.Interface. It is safe for concurrent use.
type GRPCProvider struct {
	name        string
	client      pluginpb.ProviderClient
	pc          *goplugin.Client
	stderr      *tail
	callTimeout time.Duration
	cancelGrace time.Duration

	mu     sync.Mutex
	schema *providers.GetSchemaResponse
	types  map[string]cty.Type // implied type by kind, with the schema
	// callsOK says the plugin serves the Calls stream; calls is that
	// stream once opened.
	callsOK bool
	calls   *callStream
	// refreshPlanOK says the plugin serves RefreshPlan in that stream.
	refreshPlanOK bool

	// reads are the values Read left unchanged, with their encoding, for
	// the PlanChange that follows.
	reads lastReads
}

var _ providers.Interface = (*GRPCProvider)(nil)

// Name is the provider's name.
func (p *GRPCProvider) Name() string { return p.name }

// StderrTail returns the last lines the plugin wrote to stderr.
func (p *GRPCProvider) StderrTail() []string { return p.stderr.Lines() }

// Exited reports whether the plugin process has ended.
func (p *GRPCProvider) Exited() bool { return p.pc != nil && p.pc.Exited() }

// Close ends the plugin process.
func (p *GRPCProvider) Close() error {
	p.mu.Lock()
	if p.calls != nil {
		p.calls.close()
		p.calls, p.callsOK = nil, false
	}
	p.mu.Unlock()
	if p.pc != nil {
		p.pc.Kill()
	}
	return nil
}

// callContext bounds a unary call by the call timeout.
func (p *GRPCProvider) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.callTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, p.callTimeout)
}

func (p *GRPCProvider) GetSchema(ctx context.Context) providers.GetSchemaResponse {
	p.mu.Lock()
	if p.schema != nil {
		defer p.mu.Unlock()
		return *p.schema
	}
	p.mu.Unlock()
	cctx, cancel := p.callContext(ctx)
	defer cancel()
	r, err := p.client.GetSchema(cctx, &pluginpb.GetSchema_Request{})
	if err != nil {
		return providers.GetSchemaResponse{Diagnostics: p.fault(ctx, cctx, "GetSchema", "", err)}
	}
	resp, err := schemaFromProto(r)
	if err != nil {
		return providers.GetSchemaResponse{Diagnostics: providers.Diagnostics(nil).Errorf(
			fmt.Sprintf("Provider %q sent an invalid schema", p.name), "%s", err)}
	}
	if !resp.Diagnostics.HasErrors() {
		p.mu.Lock()
		p.schema = &resp
		p.types = impliedTypes(resp.Kinds)
		p.callsOK = r.GetCallsStream()
		p.refreshPlanOK = p.callsOK && r.GetRefreshPlan()
		p.mu.Unlock()
	}
	return resp
}

func impliedTypes(kinds map[string]providers.Kind) map[string]cty.Type {
	ret := make(map[string]cty.Type, len(kinds))
	for name, k := range kinds {
		ret[name] = k.Block.ImpliedType()
	}
	return ret
}

func (p *GRPCProvider) kindType(ctx context.Context, kind string) (cty.Type, providers.Diagnostics) {
	p.mu.Lock()
	ty, ok := p.types[kind]
	p.mu.Unlock()
	if ok {
		return ty, nil
	}
	r := p.GetSchema(ctx)
	if r.Diagnostics.HasErrors() {
		return cty.NilType, r.Diagnostics
	}
	k, ok := r.Kinds[kind]
	if !ok {
		return cty.NilType, providers.Diagnostics(nil).Errorf("Unsupported kind",
			"Provider %q has no kind %q; it has %s.", p.name, kind, kindList(r.Kinds))
	}
	return k.Block.ImpliedType(), nil
}

// badValue is the diagnostic for a value the plugin sent that does not
// decode against the kind's schema.
func (p *GRPCProvider) badValue(call, address, kind, what string, err error) providers.Diagnostics {
	return providers.Diagnostics(nil).Errorf(
		fmt.Sprintf("Provider %q returned an invalid value", p.name),
		"In %s: the %s does not match the schema of kind %q: %s. This is a bug in the provider.%s",
		callName(call, address), what, kind, err, p.tailDetail())
}

// encodeErr is the diagnostic for a value mltf could not encode for the
// plugin: a value that does not match the kind's schema.
func (p *GRPCProvider) encodeErr(call, address, what string, err error) providers.Diagnostics {
	return providers.Diagnostics(nil).Errorf("Invalid value for the provider",
		"In %s: the %s does not match the schema provider %q declared: %s.", callName(call, address), what, p.name, err)
}

func (p *GRPCProvider) ValidateConfig(ctx context.Context, req providers.ValidateConfigRequest) providers.ValidateConfigResponse {
	ty, diags := p.kindType(ctx, req.Kind)
	if diags.HasErrors() {
		return providers.ValidateConfigResponse{Diagnostics: diags}
	}
	cfg, err := encodeValue(req.Config, ty)
	if err != nil {
		return providers.ValidateConfigResponse{Diagnostics: p.encodeErr("ValidateConfig", req.Kind, "configuration", err)}
	}
	cctx, cancel := p.callContext(ctx)
	defer cancel()
	r, err := p.client.ValidateConfig(cctx, &pluginpb.ValidateConfig_Request{Kind: req.Kind, Config: cfg})
	if err != nil {
		return providers.ValidateConfigResponse{Diagnostics: p.fault(ctx, cctx, "ValidateConfig", req.Kind, err)}
	}
	return providers.ValidateConfigResponse{Diagnostics: diagsFromProto(r.GetDiagnostics())}
}

func (p *GRPCProvider) Configure(ctx context.Context, req providers.ConfigureRequest) providers.ConfigureResponse {
	s := p.GetSchema(ctx)
	if s.Diagnostics.HasErrors() {
		return providers.ConfigureResponse{Diagnostics: s.Diagnostics}
	}
	cfg, err := encodeValue(req.Config, s.Provider.ImpliedType())
	if err != nil {
		return providers.ConfigureResponse{Diagnostics: p.encodeErr("Configure", "", "provider configuration", err)}
	}
	cctx, cancel := p.callContext(ctx)
	defer cancel()
	st := req.Settings
	r, err := p.client.Configure(cctx, &pluginpb.Configure_Request{
		Config: cfg,
		Settings: &pluginpb.Settings{
			WorkDir:      st.WorkDir,
			Workspace:    st.Workspace,
			TrackingUrl:  st.TrackingURL,
			ArtifactsUrl: st.ArtifactsURL,
			RunsDir:      st.RunsDir,
		},
	})
	if err != nil {
		return providers.ConfigureResponse{Diagnostics: p.fault(ctx, cctx, "Configure", "", err)}
	}
	return providers.ConfigureResponse{Diagnostics: diagsFromProto(r.GetDiagnostics())}
}

func (p *GRPCProvider) PlanChange(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	ty, diags := p.kindType(ctx, req.Kind)
	if diags.HasErrors() {
		return providers.PlanChangeResponse{Diagnostics: diags}
	}
	preq := &pluginpb.PlanChange_Request{Kind: req.Kind, Address: req.Address, PriorPrivate: req.PriorPrivate}
	var err error
	// A value already encoded is not encoded again: the prior value is
	// often what Read was just given, and the proposed value the prior
	// (no change) or the configuration (a create).
	prior := req.Prior // without marks, as the plugin sees it
	if e, ok := p.reads.take(req.Address); ok && same(e.v, req.Prior) {
		preq.Prior = e.dv
	} else if preq.Prior, prior, err = encodeUnmarked(req.Prior, ty); err != nil {
		return providers.PlanChangeResponse{Diagnostics: p.encodeErr("PlanChange", req.Address, "prior state", err)}
	}
	if preq.Config, err = encodeValue(req.Config, ty); err != nil {
		return providers.PlanChangeResponse{Diagnostics: p.encodeErr("PlanChange", req.Address, "configuration", err)}
	}
	switch {
	case same(req.Proposed, req.Prior):
		preq.Proposed = preq.Prior
	case same(req.Proposed, req.Config):
		preq.Proposed = preq.Config
	default:
		if preq.Proposed, err = encodeValue(req.Proposed, ty); err != nil {
			return providers.PlanChangeResponse{Diagnostics: p.encodeErr("PlanChange", req.Address, "proposed value", err)}
		}
	}
	cctx, cancel := p.callContext(ctx)
	defer cancel()
	r, err := viaStream(p, cctx, &pluginpb.Calls_Call{Call: &pluginpb.Calls_Call_PlanChange{PlanChange: preq}},
		(*pluginpb.Calls_Result).GetPlanChange, func() (*pluginpb.PlanChange_Response, error) { return p.client.PlanChange(cctx, preq) })
	if err != nil {
		return providers.PlanChangeResponse{Diagnostics: p.fault(ctx, cctx, "PlanChange", req.Address, err)}
	}
	planned := prior
	if !r.GetPlannedIsPrior() {
		planned, err = decodeValue(r.GetPlanned(), ty)
	}
	if err != nil {
		return providers.PlanChangeResponse{Diagnostics: p.badValue("PlanChange", req.Address, req.Kind, "planned value", err)}
	}
	return providers.PlanChangeResponse{
		Planned:         planned,
		PlannedPrivate:  r.GetPlannedPrivate(),
		RequiresReplace: pathsFromProto(r.GetRequiresReplace()),
		Reasons:         r.GetReasons(),
		Diagnostics:     diagsFromProto(r.GetDiagnostics()),
	}
}

func (p *GRPCProvider) Read(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	ty, diags := p.kindType(ctx, req.Kind)
	if diags.HasErrors() {
		return providers.ReadResponse{Diagnostics: diags}
	}
	cur, current, err := encodeUnmarked(req.Current, ty)
	if err != nil {
		return providers.ReadResponse{Diagnostics: p.encodeErr("Read", req.Address, "current state", err)}
	}
	cctx, cancel := p.callContext(ctx)
	defer cancel()
	preq := &pluginpb.Read_Request{Kind: req.Kind, Address: req.Address, Current: cur, Private: req.Private}
	r, err := viaStream(p, cctx, &pluginpb.Calls_Call{Call: &pluginpb.Calls_Call_Read{Read: preq}},
		(*pluginpb.Calls_Result).GetRead, func() (*pluginpb.Read_Response, error) { return p.client.Read(cctx, preq) })
	if err != nil {
		return providers.ReadResponse{Diagnostics: p.fault(ctx, cctx, "Read", req.Address, err)}
	}
	nv := current
	if r.GetUnchanged() {
		p.reads.put(req.Address, encoded{nv, cur})
	} else {
		nv, err = decodeValue(r.GetNew(), ty)
	}
	if err != nil {
		return providers.ReadResponse{Diagnostics: p.badValue("Read", req.Address, req.Kind, "refreshed state", err)}
	}
	return providers.ReadResponse{New: nv, Private: r.GetPrivate(), Diagnostics: diagsFromProto(r.GetDiagnostics())}
}

func (p *GRPCProvider) Import(ctx context.Context, req providers.ImportRequest) providers.ImportResponse {
	ty, diags := p.kindType(ctx, req.Kind)
	if diags.HasErrors() {
		return providers.ImportResponse{Diagnostics: diags}
	}
	what := fmt.Sprintf("%s %q", req.Kind, req.ID)
	cctx, cancel := p.callContext(ctx)
	defer cancel()
	r, err := p.client.Import(cctx, &pluginpb.Import_Request{Kind: req.Kind, Id: req.ID})
	if err != nil {
		return providers.ImportResponse{Diagnostics: p.fault(ctx, cctx, "Import", what, err)}
	}
	st, err := decodeValue(r.GetState(), ty)
	if err != nil {
		return providers.ImportResponse{Diagnostics: p.badValue("Import", what, req.Kind, "imported state", err)}
	}
	return providers.ImportResponse{State: st, Private: r.GetPrivate(), Diagnostics: diagsFromProto(r.GetDiagnostics())}
}

// Stop asks the plugin to end its in-flight calls early; it waits for the
// plugin's answer only briefly.
func (p *GRPCProvider) Stop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := p.client.Stop(ctx, &pluginpb.Stop_Request{})
	if err != nil {
		return fmt.Errorf("provider %q: stop: %w", p.name, err)
	}
	if r.GetError() != "" {
		return fmt.Errorf("provider %q: stop: %s", p.name, r.GetError())
	}
	return nil
}

// callStream returns the Calls stream, opening it on first use, or nil
// when the plugin does not serve it or it broke: calls then go unary.
func (p *GRPCProvider) callStream() *callStream {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.callsOK {
		return nil
	}
	if p.calls != nil && p.calls.broken() {
		p.calls, p.callsOK = nil, false
		return nil
	}
	if p.calls == nil {
		cs, err := openCallStream(p.client)
		if err != nil {
			p.callsOK = false
			return nil
		}
		p.calls = cs
	}
	return p.calls
}

// viaStream makes call on the Calls stream and picks its response from
// the result, or makes the unary call when there is no stream. A result
// carrying an error yields it as the unary call would have returned it.
func viaStream[R comparable](p *GRPCProvider, ctx context.Context, call *pluginpb.Calls_Call, pick func(*pluginpb.Calls_Result) R, unary func() (R, error)) (R, error) {
	cs := p.callStream()
	if cs == nil {
		return unary()
	}
	var zero R
	res, err := cs.do(ctx, call)
	if err != nil {
		return zero, err
	}
	if msg, ok := res.GetResult().(*pluginpb.Calls_Result_Error); ok {
		return zero, status.Error(codes.Internal, msg.Error)
	}
	r := pick(res)
	if r == zero {
		return zero, status.Error(codes.Internal, "the provider answered the call with the result of another kind of call")
	}
	return r, nil
}
