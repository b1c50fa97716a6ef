package plugin

import (
	"context"
	"errors"
	"fmt"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

var _ providers.RefreshPlanner = (*GRPCProvider)(nil)

// errNoStream is what the RefreshPlan call, which exists only in the
// Calls stream, gets when there is no stream.
var errNoStream = errors.New("no Calls stream")

// RefreshPlan refreshes an instance and plans it in one RefreshPlan call
// of the Calls stream when the plugin serves it, and with a Read and a
// PlanChange otherwise. Values are encoded once: the current value is the
// prior of the plan, and the proposed value, when it is the current value
// or the configuration, is sent as a flag.
func (p *GRPCProvider) RefreshPlan(ctx context.Context, req providers.RefreshPlanRequest) providers.RefreshPlanResponse {
	p.mu.Lock()
	ok := p.refreshPlanOK
	p.mu.Unlock()
	if !ok {
		return providers.ReadThenPlan(ctx, p, req)
	}
	fail := func(ds providers.Diagnostics) providers.RefreshPlanResponse {
		return providers.RefreshPlanResponse{Read: providers.ReadResponse{Diagnostics: ds}}
	}
	const call = "Read and PlanChange"
	ty, diags := p.kindType(ctx, req.Kind)
	if diags.HasErrors() {
		return fail(diags)
	}
	cur, current, err := encodeUnmarked(req.Current, ty)
	if err != nil {
		return fail(p.encodeErr(call, req.Address, "current state", err))
	}
	preq := &pluginpb.RefreshPlan_Request{
		Read: &pluginpb.Read_Request{Kind: req.Kind, Address: req.Address, Current: cur, Private: req.Private},
	}
	if preq.Config, err = encodeValue(req.Config, ty); err != nil {
		return fail(p.encodeErr(call, req.Address, "configuration", err))
	}
	switch {
	case same(req.Proposed, req.Current):
		preq.ProposedIsCurrent = true
	case same(req.Proposed, req.Config):
		preq.ProposedIsConfig = true
	default:
		if preq.Proposed, err = encodeValue(req.Proposed, ty); err != nil {
			return fail(p.encodeErr(call, req.Address, "proposed value", err))
		}
	}
	cctx, cancel := p.callContext(ctx)
	defer cancel()
	r, err := viaStream(p, cctx, &pluginpb.Calls_Call{Call: &pluginpb.Calls_Call_RefreshPlan{RefreshPlan: preq}},
		(*pluginpb.Calls_Result).GetRefreshPlan, func() (*pluginpb.RefreshPlan_Response, error) { return nil, errNoStream })
	if errors.Is(err, errNoStream) {
		// The stream broke since: the unary calls report the fault.
		return providers.ReadThenPlan(ctx, p, req)
	}
	if err != nil {
		return fail(p.fault(ctx, cctx, call, req.Address, err))
	}
	rr := r.GetRead()
	read := providers.ReadResponse{New: current, Private: rr.GetPrivate(), Diagnostics: diagsFromProto(rr.GetDiagnostics())}
	if !rr.GetUnchanged() {
		if read.New, err = decodeValue(rr.GetNew(), ty); err != nil {
			return fail(p.badValue("Read", req.Address, req.Kind, "refreshed state", err))
		}
	}
	resp := providers.RefreshPlanResponse{Read: read}
	pr := r.GetPlan()
	if pr == nil {
		return resp
	}
	if !rr.GetUnchanged() {
		return fail(providers.Diagnostics(nil).Errorf(fmt.Sprintf("Provider %q failed", p.name),
			"In %s: the provider planned a change against a refreshed value other than the current one. This is a bug in the provider.%s",
			callName(call, req.Address), p.tailDetail()))
	}
	planned := current
	if !pr.GetPlannedIsPrior() {
		if planned, err = decodeValue(pr.GetPlanned(), ty); err != nil {
			return fail(p.badValue("PlanChange", req.Address, req.Kind, "planned value", err))
		}
	}
	resp.Planned = true
	resp.Plan = providers.PlanChangeResponse{
		Planned:         planned,
		PlannedPrivate:  pr.GetPlannedPrivate(),
		RequiresReplace: pathsFromProto(pr.GetRequiresReplace()),
		Reasons:         pr.GetReasons(),
		Diagnostics:     diagsFromProto(pr.GetDiagnostics()),
	}
	return resp
}
