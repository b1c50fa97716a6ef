package plugin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// server adapts a providers.Interface to the gRPC service. It decodes
// requests against the kind's implied type and encodes responses the same
// way; a response value that does not match the schema is a provider bug,
// returned as a gRPC error that the client turns into a diagnostic naming
// the provider and the resource.
type server struct {
	pluginpb.UnimplementedProviderServer
	impl providers.Interface

	mu     sync.Mutex
	schema *providers.GetSchemaResponse
	types  map[string]cty.Type // implied type by kind, with the schema

	// withoutCalls hides the Calls stream from GetSchema, as a plugin
	// built before it would (tests of the unary path); withoutRefreshPlan
	// hides the RefreshPlan call, as a plugin built before it would.
	withoutCalls       bool
	withoutRefreshPlan bool

	// reads are the values Read left unchanged, for the PlanChange that
	// follows.
	reads lastReads
}

func newServer(impl providers.Interface) *server { return &server{impl: impl} }

func (s *server) getSchema(ctx context.Context) providers.GetSchemaResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.schema != nil {
		return *s.schema
	}
	r := s.impl.GetSchema(ctx)
	if !r.Diagnostics.HasErrors() {
		s.schema = &r
		s.types = impliedTypes(r.Kinds)
	}
	return r
}

// kindType is the implied type of kind, or an error naming the kinds the
// provider has.
func (s *server) kindType(ctx context.Context, kind string) (cty.Type, providers.Diagnostics) {
	s.mu.Lock()
	ty, ok := s.types[kind]
	s.mu.Unlock()
	if ok {
		return ty, nil
	}
	r := s.getSchema(ctx)
	if r.Diagnostics.HasErrors() {
		return cty.NilType, r.Diagnostics
	}
	k, ok := r.Kinds[kind]
	if !ok {
		return cty.NilType, providers.Diagnostics(nil).Errorf("Unsupported kind",
			"This provider has no kind %q; it has %s.", kind, kindList(r.Kinds))
	}
	return k.Block.ImpliedType(), nil
}

func (s *server) providerType(ctx context.Context) (cty.Type, providers.Diagnostics) {
	r := s.getSchema(ctx)
	if r.Diagnostics.HasErrors() {
		return cty.NilType, r.Diagnostics
	}
	return r.Provider.ImpliedType(), nil
}

// badRequest is a diagnostic about a value mltf sent that does not decode.
func badRequest(what string, err error) providers.Diagnostics {
	return providers.Diagnostics(nil).Errorf("Invalid value sent to the provider",
		"The %s does not match the schema the provider declared: %s. This is a bug in mltf or a mismatch between mltf and the provider.", what, err)
}

// badResponse is the gRPC error for a value the provider returned that
// does not match its own schema.
func badResponse(what, address, kind string, err error) error {
	return status.Errorf(codes.Internal, "the provider returned a %s for %s that does not match the schema of kind %q: %s", what, address, kind, err)
}

func (s *server) GetSchema(ctx context.Context, _ *pluginpb.GetSchema_Request) (*pluginpb.GetSchema_Response, error) {
	r, err := schemaToProto(s.getSchema(ctx))
	if err != nil {
		return nil, status.Errorf(codes.Internal, "the provider's schema cannot be sent: %s", err)
	}
	r.CallsStream = !s.withoutCalls
	r.RefreshPlan = !s.withoutCalls && !s.withoutRefreshPlan
	return r, nil
}

func (s *server) ValidateConfig(ctx context.Context, req *pluginpb.ValidateConfig_Request) (*pluginpb.ValidateConfig_Response, error) {
	ty, diags := s.kindType(ctx, req.GetKind())
	if diags.HasErrors() {
		return &pluginpb.ValidateConfig_Response{Diagnostics: diagsToProto(diags)}, nil
	}
	cfg, err := decodeValue(req.GetConfig(), ty)
	if err != nil {
		return &pluginpb.ValidateConfig_Response{Diagnostics: diagsToProto(badRequest("configuration", err))}, nil
	}
	r := s.impl.ValidateConfig(ctx, providers.ValidateConfigRequest{Kind: req.GetKind(), Config: cfg})
	return &pluginpb.ValidateConfig_Response{Diagnostics: diagsToProto(r.Diagnostics)}, nil
}

func (s *server) Configure(ctx context.Context, req *pluginpb.Configure_Request) (*pluginpb.Configure_Response, error) {
	ty, diags := s.providerType(ctx)
	if diags.HasErrors() {
		return &pluginpb.Configure_Response{Diagnostics: diagsToProto(diags)}, nil
	}
	cfg, err := decodeValue(req.GetConfig(), ty)
	if err != nil {
		return &pluginpb.Configure_Response{Diagnostics: diagsToProto(badRequest("provider configuration", err))}, nil
	}
	st := req.GetSettings()
	r := s.impl.Configure(ctx, providers.ConfigureRequest{
		Config: cfg,
		Settings: providers.Settings{
			WorkDir:      st.GetWorkDir(),
			Workspace:    st.GetWorkspace(),
			TrackingURL:  st.GetTrackingUrl(),
			ArtifactsURL: st.GetArtifactsUrl(),
			RunsDir:      st.GetRunsDir(),
		},
	})
	return &pluginpb.Configure_Response{Diagnostics: diagsToProto(r.Diagnostics)}, nil
}

func (s *server) PlanChange(ctx context.Context, req *pluginpb.PlanChange_Request) (*pluginpb.PlanChange_Response, error) {
	return s.planChange(ctx, req, false)
}

// planChange serves PlanChange; in the Calls stream (shortcuts) a planned
// value equal to the prior one is not sent back.
func (s *server) planChange(ctx context.Context, req *pluginpb.PlanChange_Request, shortcuts bool) (*pluginpb.PlanChange_Response, error) {
	ty, diags := s.kindType(ctx, req.GetKind())
	if diags.HasErrors() {
		return &pluginpb.PlanChange_Response{Diagnostics: diagsToProto(diags)}, nil
	}
	var prior, cfg, proposed cty.Value
	var err error
	// The same bytes decode to the same value: the prior value is often
	// what Read was just given, and the proposed value the prior (no
	// change) or the configuration (a create).
	if e, ok := s.reads.take(req.GetAddress()); ok && sameBytes(e.dv, req.GetPrior()) {
		prior = e.v
	} else if prior, err = decodeValue(req.GetPrior(), ty); err != nil {
		return &pluginpb.PlanChange_Response{Diagnostics: diagsToProto(badRequest("prior state", err))}, nil
	}
	if cfg, err = decodeValue(req.GetConfig(), ty); err != nil {
		return &pluginpb.PlanChange_Response{Diagnostics: diagsToProto(badRequest("configuration", err))}, nil
	}
	switch {
	case sameBytes(req.GetProposed(), req.GetPrior()):
		proposed = prior
	case sameBytes(req.GetProposed(), req.GetConfig()):
		proposed = cfg
	default:
		if proposed, err = decodeValue(req.GetProposed(), ty); err != nil {
			return &pluginpb.PlanChange_Response{Diagnostics: diagsToProto(badRequest("proposed value", err))}, nil
		}
	}
	r := s.impl.PlanChange(ctx, providers.PlanChangeRequest{
		Kind:         req.GetKind(),
		Address:      req.GetAddress(),
		Prior:        prior,
		PriorPrivate: req.GetPriorPrivate(),
		Config:       cfg,
		Proposed:     proposed,
	})
	return planResponse(r, prior, ty, req.GetAddress(), req.GetKind(), shortcuts)
}

// planResponse encodes a PlanChange's response; with shortcuts (in the
// Calls stream) a planned value equal to the prior is not sent back.
func planResponse(r providers.PlanChangeResponse, prior cty.Value, ty cty.Type, address, kind string, shortcuts bool) (*pluginpb.PlanChange_Response, error) {
	resp := &pluginpb.PlanChange_Response{
		PlannedPrivate:  r.PlannedPrivate,
		RequiresReplace: pathsToProto(r.RequiresReplace),
		Reasons:         r.Reasons,
		Diagnostics:     diagsToProto(r.Diagnostics),
	}
	if shortcuts && sameValue(r.Planned, prior) {
		resp.PlannedIsPrior = true
		return resp, nil
	}
	var err error
	if resp.Planned, err = encodeValue(r.Planned, ty); err != nil {
		return nil, badResponse("planned value", address, kind, err)
	}
	return resp, nil
}

// sameValue reports whether a value the provider returned is the one it
// was given, so that it need not travel back. Both are known to conform
// to the kind's type: the given one was decoded against it.
func sameValue(got, given cty.Value) bool {
	return got != cty.NilVal && given != cty.NilVal && !got.IsMarked() && got.Type().Equals(given.Type()) && got.RawEquals(given)
}

func (s *server) Read(ctx context.Context, req *pluginpb.Read_Request) (*pluginpb.Read_Response, error) {
	return s.read(ctx, req, false)
}

// read serves Read; in the Calls stream (shortcuts) a refreshed value equal
// to the current one is not sent back.
func (s *server) read(ctx context.Context, req *pluginpb.Read_Request, shortcuts bool) (*pluginpb.Read_Response, error) {
	ty, diags := s.kindType(ctx, req.GetKind())
	if diags.HasErrors() {
		return &pluginpb.Read_Response{Diagnostics: diagsToProto(diags)}, nil
	}
	cur, err := decodeValue(req.GetCurrent(), ty)
	if err != nil {
		return &pluginpb.Read_Response{Diagnostics: diagsToProto(badRequest("current state", err))}, nil
	}
	r := s.impl.Read(ctx, providers.ReadRequest{Kind: req.GetKind(), Address: req.GetAddress(), Current: cur, Private: req.GetPrivate()})
	resp := &pluginpb.Read_Response{Private: r.Private, Diagnostics: diagsToProto(r.Diagnostics)}
	if shortcuts && sameValue(r.New, cur) {
		resp.Unchanged = true
		s.reads.put(req.GetAddress(), encoded{cur, req.GetCurrent()})
		return resp, nil
	}
	if resp.New, err = encodeValue(r.New, ty); err != nil {
		return nil, badResponse("refreshed state", req.GetAddress(), req.GetKind(), err)
	}
	return resp, nil
}

func (s *server) Import(ctx context.Context, req *pluginpb.Import_Request) (*pluginpb.Import_Response, error) {
	ty, diags := s.kindType(ctx, req.GetKind())
	if diags.HasErrors() {
		return &pluginpb.Import_Response{Diagnostics: diagsToProto(diags)}, nil
	}
	r := s.impl.Import(ctx, providers.ImportRequest{Kind: req.GetKind(), ID: req.GetId()})
	st, err := encodeValue(r.State, ty)
	if err != nil {
		return nil, badResponse("imported state", fmt.Sprintf("%s %q", req.GetKind(), req.GetId()), req.GetKind(), err)
	}
	return &pluginpb.Import_Response{State: st, Private: r.Private, Diagnostics: diagsToProto(r.Diagnostics)}, nil
}

func (s *server) Stop(ctx context.Context, _ *pluginpb.Stop_Request) (*pluginpb.Stop_Response, error) {
	if err := s.impl.Stop(ctx); err != nil {
		return &pluginpb.Stop_Response{Error: err.Error()}, nil
	}
	return &pluginpb.Stop_Response{}, nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
