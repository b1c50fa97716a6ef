package providers

import (
	"context"

	"github.com/zclconf/go-cty/cty"
)

// RefreshPlanner is a provider that refreshes an instance and plans it in
// one call: a plugin does it in one round trip instead of two. The engine
// uses it when a provider has it (RefreshPlan) and a Read followed by a
// PlanChange otherwise; both give the same result.
type RefreshPlanner interface {
	RefreshPlan(ctx context.Context, req RefreshPlanRequest) RefreshPlanResponse
}

// RefreshPlanRequest asks to refresh the instance Current and, when the
// refresh leaves it unchanged, to plan Config against it. Config and
// Proposed are what the engine plans when Current is the prior value.
type RefreshPlanRequest struct {
	Kind     string
	Address  string
	Current  cty.Value
	Private  []byte
	Config   cty.Value
	Proposed cty.Value
}

// RefreshPlanResponse is the Read's response and, when Planned, the
// PlanChange's: Read.New equals Current, and Plan is the plan of Config
// with Current as the prior and Read.Private as the prior's private data.
// When not Planned, the engine plans against Read.New itself.
type RefreshPlanResponse struct {
	Read    ReadResponse
	Planned bool
	Plan    PlanChangeResponse
}

// RefreshPlan refreshes and plans through p: in one call when p is a
// RefreshPlanner, else with ReadThenPlan.
func RefreshPlan(ctx context.Context, p Interface, req RefreshPlanRequest) RefreshPlanResponse {
	if rp, ok := p.(RefreshPlanner); ok {
		return rp.RefreshPlan(ctx, req)
	}
	return ReadThenPlan(ctx, p, req)
}

// ReadThenPlan does what RefreshPlan means with a Read and, when the
// refreshed value is the current one, a PlanChange.
func ReadThenPlan(ctx context.Context, p Interface, req RefreshPlanRequest) RefreshPlanResponse {
	read := p.Read(ctx, ReadRequest{Kind: req.Kind, Address: req.Address, Current: req.Current, Private: req.Private})
	if !Unchanged(read, req.Current) {
		return RefreshPlanResponse{Read: read}
	}
	plan := p.PlanChange(ctx, PlanChangeRequest{
		Kind: req.Kind, Address: req.Address,
		Prior: read.New, PriorPrivate: read.Private,
		Config: req.Config, Proposed: req.Proposed,
	})
	return RefreshPlanResponse{Read: read, Planned: true, Plan: plan}
}

// Unchanged reports whether a refresh succeeded and left the value current
// as it was, so that a plan made against current holds.
func Unchanged(read ReadResponse, current cty.Value) bool {
	return !read.Diagnostics.HasErrors() && read.New != cty.NilVal && current != cty.NilVal &&
		!read.New.IsNull() && read.New.RawEquals(current)
}
