package plugin

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// refreshPlan serves a RefreshPlan call of the Calls stream: a Read and,
// when the refreshed value is the current one, the PlanChange the client
// would send next, with the current value decoded once.
func (s *server) refreshPlan(ctx context.Context, req *pluginpb.RefreshPlan_Request) (*pluginpb.RefreshPlan_Response, error) {
	rreq := req.GetRead()
	ty, diags := s.kindType(ctx, rreq.GetKind())
	if diags.HasErrors() {
		return &pluginpb.RefreshPlan_Response{Read: &pluginpb.Read_Response{Diagnostics: diagsToProto(diags)}}, nil
	}
	badReq := func(what string, err error) *pluginpb.RefreshPlan_Response {
		return &pluginpb.RefreshPlan_Response{Read: &pluginpb.Read_Response{Diagnostics: diagsToProto(badRequest(what, err))}}
	}
	cur, err := decodeValue(rreq.GetCurrent(), ty)
	if err != nil {
		return badReq("current state", err), nil
	}
	cfg, err := decodeValue(req.GetConfig(), ty)
	if err != nil {
		return badReq("configuration", err), nil
	}
	var proposed cty.Value
	switch {
	case req.GetProposedIsCurrent():
		proposed = cur
	case req.GetProposedIsConfig():
		proposed = cfg
	default:
		if proposed, err = decodeValue(req.GetProposed(), ty); err != nil {
			return badReq("proposed value", err), nil
		}
	}

	r := s.impl.Read(ctx, providers.ReadRequest{Kind: rreq.GetKind(), Address: rreq.GetAddress(), Current: cur, Private: rreq.GetPrivate()})
	resp := &pluginpb.RefreshPlan_Response{Read: &pluginpb.Read_Response{Private: r.Private, Diagnostics: diagsToProto(r.Diagnostics)}}
	if !sameValue(r.New, cur) || r.New.IsNull() || r.Diagnostics.HasErrors() {
		if resp.Read.New, err = encodeValue(r.New, ty); err != nil {
			return nil, badResponse("refreshed state", rreq.GetAddress(), rreq.GetKind(), err)
		}
		return resp, nil
	}
	resp.Read.Unchanged = true
	p := s.impl.PlanChange(ctx, providers.PlanChangeRequest{
		Kind: rreq.GetKind(), Address: rreq.GetAddress(),
		Prior: cur, PriorPrivate: r.Private,
		Config: cfg, Proposed: proposed,
	})
	if resp.Plan, err = planResponse(p, cur, ty, rreq.GetAddress(), rreq.GetKind(), true); err != nil {
		return nil, err
	}
	return resp, nil
}
