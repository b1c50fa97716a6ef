package plugin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin"
)

// refreshPlanResult is a RefreshPlanResponse in a form cmp can compare.
type refreshPlanResult struct {
	Read, ReadPrivate, ReadDiags string
	Planned                      bool
	Plan, PlanPrivate, PlanDiags string
	Replace                      int
	Reasons                      []string
}

func resultOf(r providers.RefreshPlanResponse) refreshPlanResult {
	res := refreshPlanResult{
		Read: fmt.Sprintf("%#v", r.Read.New), ReadPrivate: string(r.Read.Private), ReadDiags: fmt.Sprint(r.Read.Diagnostics),
		Planned: r.Planned,
	}
	if r.Planned {
		res.Plan, res.PlanPrivate, res.PlanDiags = fmt.Sprintf("%#v", r.Plan.Planned), string(r.Plan.PlannedPrivate), fmt.Sprint(r.Plan.Diagnostics)
		res.Replace, res.Reasons = len(r.Plan.RequiresReplace), r.Plan.Reasons
	}
	return res
}

// refreshPlanCases are instances whose refresh leaves them as they were
// (with a plan that keeps the prior, changes it, or is of another proposed
// value) and instances whose refresh changes them, deletes them or fails.
func refreshPlanCases() map[string]providers.RefreshPlanRequest {
	cases := map[string]providers.RefreshPlanRequest{}
	for _, m := range []string{"", "change", "proposed-config", "proposed-other", "drift", "gone", "readfail"} {
		name := "r-" + m
		mode := m
		switch m {
		case "change", "proposed-config", "proposed-other":
			mode = ""
		}
		cfg := thingConfig(name, mode)
		cur := sdkSet(sdkSet(cfg, "id", cty.StringVal("id-"+name)), "secret", cty.StringVal("s"))
		if m == "change" {
			cfg = sdkSet(cfg, "tags", cty.MapVal(map[string]cty.Value{"team": cty.StringVal("other")}))
		}
		proposed := sdkSet(sdkSet(cfg, "id", cur.GetAttr("id")), "secret", cur.GetAttr("secret"))
		switch m {
		case "proposed-config":
			proposed = cfg
		case "proposed-other":
			proposed = sdkSet(proposed, "id", cty.StringVal("other"))
		}
		cases[m] = providers.RefreshPlanRequest{Kind: "thing", Address: "thing." + name, Current: cur, Private: []byte("p-" + name), Config: cfg, Proposed: proposed}
	}
	return cases
}

// TestRefreshPlanMatchesReadThenPlan refreshes and plans instances in one
// RefreshPlan call of the Calls stream and compares every answer with a
// Read and then a PlanChange through a plugin; so do plugins without the
// call (one with the Calls stream, one without). The one call changes
// nothing a caller sees, whether the refresh leaves a value, changes it,
// deletes it or fails.
func TestRefreshPlanMatchesReadThenPlan(t *testing.T) {
	ctx := context.Background()
	ref := start(t, plugin.Config{Cmd: selfCmd("plugin-unary")})
	want := map[string]refreshPlanResult{}
	for name, req := range refreshPlanCases() {
		want[name] = resultOf(providers.ReadThenPlan(ctx, ref, req))
	}
	for name, wantPlanned := range map[string]bool{"": true, "change": true, "proposed-config": true, "proposed-other": true, "drift": false, "gone": false, "readfail": false} {
		if want[name].Planned != wantPlanned {
			t.Errorf("case %q: planned %v, want %v: %+v", name, want[name].Planned, wantPlanned, want[name])
		}
	}
	if want["change"].Plan == want["change"].Read || want[""].Plan != want[""].Read {
		t.Errorf("the unchanged case should plan its prior, the changed one a new value:\n%+v\n%+v", want[""], want["change"])
	}

	for _, c := range []struct {
		role    string
		oneCall bool
	}{
		{"plugin", true},
		{"plugin-no-refreshplan", false},
		{"plugin-unary", false},
	} {
		t.Run(c.role, func(t *testing.T) {
			p := start(t, plugin.Config{Cmd: selfCmd(c.role)})
			got := map[string]refreshPlanResult{}
			for name, req := range refreshPlanCases() {
				got[name] = resultOf(providers.RefreshPlan(ctx, p, req))
			}
			if p.RefreshPlanOK() != c.oneCall {
				t.Errorf("RefreshPlan in one call: %v, want %v", p.RefreshPlanOK(), c.oneCall)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("RefreshPlan through %s differs from a Read then a PlanChange (-want +got):\n%s", c.role, d)
			}
		})
	}
}

// TestRefreshPlanBadValue: a plan off the kind's schema, made in the one
// call, fails the instance with the diagnostic naming the provider and the
// resource, as the PlanChange would.
func TestRefreshPlanBadValue(t *testing.T) {
	p := start(t, plugin.Config{})
	cfg := thingConfig("b", "bad")
	cur := sdkSet(cfg, "id", cty.StringVal("id-b"))
	r := p.RefreshPlan(context.Background(), providers.RefreshPlanRequest{Kind: "thing", Address: "thing.b", Current: cur, Config: cfg, Proposed: cur})
	ds := fmt.Sprint(r.Read.Diagnostics, r.Plan.Diagnostics)
	if !r.Read.Diagnostics.HasErrors() && !r.Plan.Diagnostics.HasErrors() {
		t.Fatalf("want an error, got %+v", r)
	}
	for _, want := range []string{`Provider "test" failed`, "thing.b", `does not match the schema of kind "thing"`} {
		if !strings.Contains(ds, want) {
			t.Errorf("diagnostics %s do not say %q", ds, want)
		}
	}
}
