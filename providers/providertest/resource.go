package providertest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// instance is what the engine remembers of one applied resource.
type instance struct {
	value   cty.Value
	private []byte
}

func testResource(t *testing.T, p providers.Interface, c Case) {
	ctx := context.Background()
	sr := p.GetSchema(ctx)
	requireNoErrors(t, "GetSchema", sr.Diagnostics)
	k, ok := sr.Kinds[c.Kind]
	if !ok {
		t.Fatalf("the provider has no kind %q", c.Kind)
	}
	addr := c.address()
	ty := k.Block.ImpliedType()

	// Create.
	cur := apply(t, p, k.Block, c.Kind, addr, instance{value: cty.NullVal(ty)}, c.Config)
	if cur.value.IsNull() {
		t.Fatal("ApplyChange of a create returned a null state")
	}

	// Read agrees with what apply returned.
	rr := p.Read(ctx, providers.ReadRequest{Kind: c.Kind, Address: addr, Current: cur.value, Private: cur.private})
	requireNoErrors(t, "Read", rr.Diagnostics)
	if d := disagreement(nil, cur.value, rr.New); d != "" {
		t.Fatalf("Read after apply disagrees with the applied state: %s", d)
	}
	cur = instance{value: rr.New, private: rr.Private}

	// Planning the same configuration again is "no changes".
	noChange(t, p, k.Block, c.Kind, addr, cur, c.Config)

	if c.Update != cty.NilVal {
		cur = apply(t, p, k.Block, c.Kind, addr, cur, c.Update)
		rr := p.Read(ctx, providers.ReadRequest{Kind: c.Kind, Address: addr, Current: cur.value, Private: cur.private})
		requireNoErrors(t, "Read after update", rr.Diagnostics)
		if d := disagreement(nil, cur.value, rr.New); d != "" {
			t.Fatalf("Read after update disagrees with the applied state: %s", d)
		}
		cur = instance{value: rr.New, private: rr.Private}
		noChange(t, p, k.Block, c.Kind, addr, cur, c.Update)
	}

	if c.ImportID != nil {
		id := c.ImportID(cur.value)
		ir := p.Import(ctx, providers.ImportRequest{Kind: c.Kind, ID: id})
		requireNoErrors(t, "Import", ir.Diagnostics)
		if ir.State.IsNull() {
			t.Fatalf("Import(%q) found nothing", id)
		}
		rr := p.Read(ctx, providers.ReadRequest{Kind: c.Kind, Address: addr, Current: ir.State, Private: ir.Private})
		requireNoErrors(t, "Read after Import", rr.Diagnostics)
		if d := disagreement(nil, cur.value, rr.New); d != "" {
			t.Fatalf("import round trip: the imported state disagrees with the applied one: %s", d)
		}
	}

	// Destroy.
	pr := p.PlanChange(ctx, providers.PlanChangeRequest{
		Kind: c.Kind, Address: addr, Prior: cur.value, PriorPrivate: cur.private,
		Config: cty.NullVal(ty), Proposed: cty.NullVal(ty),
	})
	requireNoErrors(t, "PlanChange (destroy)", pr.Diagnostics)
	if !pr.Planned.IsNull() {
		t.Fatalf("a destroy must plan a null value, got %#v", pr.Planned)
	}
	ar := p.ApplyChange(ctx, providers.ApplyChangeRequest{
		Kind: c.Kind, Address: addr, Prior: cur.value, PriorPrivate: cur.private,
		Planned: pr.Planned, PlannedPrivate: pr.PlannedPrivate, Config: cty.NullVal(ty),
	})
	requireNoErrors(t, "ApplyChange (destroy)", ar.Diagnostics)
	if !ar.New.IsNull() {
		t.Fatalf("a destroy must leave a null state, got %#v", ar.New)
	}
}

// apply validates, plans (twice, to check that planning is idempotent)
// and applies config over cur, and checks the result against the plan.
func apply(t *testing.T, p providers.Interface, b *schema.Block, kind, addr string, cur instance, config cty.Value) instance {
	t.Helper()
	ctx := context.Background()
	vr := p.ValidateConfig(ctx, providers.ValidateConfigRequest{Kind: kind, Config: config})
	requireNoErrors(t, "ValidateConfig", vr.Diagnostics)

	req := providers.PlanChangeRequest{
		Kind: kind, Address: addr, Prior: cur.value, PriorPrivate: cur.private,
		Config: config, Proposed: proposed(b, cur.value, config),
	}
	pr := p.PlanChange(ctx, req)
	requireNoErrors(t, "PlanChange", pr.Diagnostics)
	if pr.Planned.IsNull() {
		t.Fatal("PlanChange planned a null value for a non-null configuration")
	}
	if d := configAgreement(b, config, pr.Planned); d != "" {
		t.Fatalf("the planned value does not keep the configuration: %s", d)
	}
	again := p.PlanChange(ctx, req)
	requireNoErrors(t, "PlanChange (again)", again.Diagnostics)
	if !again.Planned.RawEquals(pr.Planned) {
		t.Fatalf("planning is not idempotent:\nfirst:  %#v\nsecond: %#v", pr.Planned, again.Planned)
	}
	if diff := cmp.Diff(pathStrings(pr.RequiresReplace), pathStrings(again.RequiresReplace)); diff != "" {
		t.Fatalf("planning is not idempotent: RequiresReplace (-first +second):\n%s", diff)
	}

	prior, priorPrivate := cur.value, cur.private
	if len(pr.RequiresReplace) > 0 && !cur.value.IsNull() {
		// The engine replaces: destroy, then create from a fresh plan.
		ty := b.ImpliedType()
		dr := p.ApplyChange(ctx, providers.ApplyChangeRequest{Kind: kind, Address: addr, Prior: cur.value, PriorPrivate: cur.private, Planned: cty.NullVal(ty), Config: cty.NullVal(ty)})
		requireNoErrors(t, "ApplyChange (destroy before replace)", dr.Diagnostics)
		return apply(t, p, b, kind, addr, instance{value: cty.NullVal(ty)}, config)
	}
	var events []providers.Event
	ar := p.ApplyChange(ctx, providers.ApplyChangeRequest{
		Kind: kind, Address: addr, Prior: prior, PriorPrivate: priorPrivate,
		Planned: pr.Planned, PlannedPrivate: pr.PlannedPrivate, Config: config,
		Events: func(e providers.Event) { events = append(events, e) },
	})
	requireNoErrors(t, "ApplyChange", ar.Diagnostics)
	if !ar.New.IsWhollyKnown() {
		t.Fatalf("ApplyChange left unknown values: %#v", ar.New)
	}
	if d := disagreement(nil, pr.Planned, ar.New); d != "" {
		t.Fatalf("ApplyChange does not agree with the plan: %s", d)
	}
	for _, e := range events {
		if e.Type == providers.EventPartial && !e.Partial.IsNull() {
			if errs := e.Partial.Type().TestConformance(b.ImpliedType()); errs != nil {
				t.Fatalf("a partial state does not match the kind's schema: %v", errs)
			}
		}
	}
	return instance{value: ar.New, private: ar.Private}
}

// noChange checks that planning config over cur changes nothing.
func noChange(t *testing.T, p providers.Interface, b *schema.Block, kind, addr string, cur instance, config cty.Value) {
	t.Helper()
	pr := p.PlanChange(context.Background(), providers.PlanChangeRequest{
		Kind: kind, Address: addr, Prior: cur.value, PriorPrivate: cur.private,
		Config: config, Proposed: proposed(b, cur.value, config),
	})
	requireNoErrors(t, "PlanChange (no changes)", pr.Diagnostics)
	if len(pr.RequiresReplace) > 0 {
		t.Fatalf("planning the applied configuration again requires replacement of %v", pathStrings(pr.RequiresReplace))
	}
	if !pr.Planned.RawEquals(cur.value) {
		t.Fatalf("planning the applied configuration again is not \"no changes\":\nstate:   %#v\nplanned: %#v\nreasons: %v", cur.value, pr.Planned, pr.Reasons)
	}
}

// configAgreement checks that every non-null configured attribute is
// planned as configured (a provider may not rewrite the user's values).
func configAgreement(b *schema.Block, config, planned cty.Value) string {
	for name := range b.Attributes {
		cv := config.GetAttr(name)
		if cv.IsNull() {
			continue
		}
		if d := disagreement(cty.GetAttrPath(name), cv, planned.GetAttr(name)); d != "" {
			return d
		}
	}
	return ""
}

func pathStrings(ps []cty.Path) []string {
	var ret []string
	for _, p := range ps {
		ret = append(ret, pathString(p))
	}
	return ret
}
