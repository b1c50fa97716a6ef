package plan_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
)

// oneCallProvider is the memProvider refreshing and planning in one call,
// as a plugin that serves RefreshPlan does; it counts the calls.
type oneCallProvider struct {
	*memProvider
	refreshPlans, planned atomic.Int64
}

var _ providers.RefreshPlanner = (*oneCallProvider)(nil)

func (p *oneCallProvider) RefreshPlan(ctx context.Context, req providers.RefreshPlanRequest) providers.RefreshPlanResponse {
	p.refreshPlans.Add(1)
	r := providers.ReadThenPlan(ctx, p.memProvider, req)
	if r.Planned {
		p.planned.Add(1)
	}
	return r
}

// TestRefreshPlan plans with a provider that refreshes and plans in one
// call, where the engine plans each instance against its prior value
// before knowing what the refresh returns. Where the refresh changes the
// value (edited or deleted outside mltf, one of them with ignore_changes
// on what was edited), the plan must be the one made against the
// refreshed value: the same changes, values and drift as with a provider
// that is sent a Read and then a PlanChange.
func TestRefreshPlan(t *testing.T) {
	src := `
experiment "a" {
  name = "a"
  tags = { owner = "a" }
}
experiment "b" {
  name = "b"
  tags = { parent = experiment.a.id }
}
experiment "c" {
  name = "c"
  tags = { owner = "c" }
  lifecycle { ignore_changes = [tags] }
}
experiment "d" {
  name = "d"
}
experiment "e" {
  name = "e"
  seed = 1
}
`
	type outcome struct {
		Actions map[string]string
		After   map[string]string
		Drift   []string
	}
	run := func(oneCall bool) (outcome, *oneCallProvider) {
		e := newEngine(t)
		// One at a time, so that both runs give the same ids.
		e.apply(e.plan(src, nil, func(o *plan.Options) { o.Parallelism = 1 }))
		// Outside mltf: a's and c's tags are edited, d is deleted.
		for id, v := range e.prov.objects {
			m := v.AsValueMap()
			switch m["name"].AsString() {
			case "a", "c":
				m["tags"] = cty.MapVal(map[string]cty.Value{"owner": cty.StringVal("edited")})
				e.prov.objects[id] = cty.ObjectVal(m)
			case "d":
				delete(e.prov.objects, id)
			}
		}
		one := &oneCallProvider{memProvider: e.prov}
		var provs *plan.Providers
		if oneCall {
			provs = plan.NewProviders(func(string) (providers.Interface, error) { return one, nil }, providers.Settings{})
		} else {
			provs = e.providers()
		}
		// e's seed changes: a replacement, planned in the one call.
		cfg, opts := e.load(strings.Replace(src, "seed = 1", "seed = 2", 1), nil)
		cs, diags := plan.Plan(context.Background(), cfg, e.state, provs, opts)
		mustOK(t, diags)
		o := outcome{Actions: actions(cs), After: map[string]string{}, Drift: cs.Drift}
		for _, c := range cs.Changes {
			o.After[c.Key()] = fmt.Sprintf("%#v", c.After)
		}
		sort.Strings(o.Drift)
		return o, one
	}
	want, _ := run(false)
	got, one := run(true)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the plan made in one call per instance differs (-Read then PlanChange +one call):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"experiment.a": "update", "experiment.d": "create", "experiment.e": "replace"}, got.Actions); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	if len(got.Drift) != 3 {
		t.Errorf("want drift for a, c and d, got %q", got.Drift)
	}
	if n := one.refreshPlans.Load(); n != 5 {
		t.Errorf("%d RefreshPlan calls, want one per instance (5)", n)
	}
	if n := one.planned.Load(); n != 2 {
		t.Errorf("%d instances planned in the one call, want the two that the refresh left as they were (b, e)", n)
	}
}
