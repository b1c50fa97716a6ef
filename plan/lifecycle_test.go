package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/kinds"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/state"
)

// objectIDs are the ids of the objects the provider holds.
func (p *memProvider) objectIDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []string
	for id := range p.objects {
		ids = append(ids, id)
	}
	return ids
}

func stateID(t *testing.T, st *state.State, addr string) string {
	t.Helper()
	inst := st.Instance(addr, "")
	if inst == nil {
		t.Fatalf("%s is not in state", addr)
	}
	return string(inst.Attributes)
}

// TestCreateBeforeDestroyOrder: with create_before_destroy the replacement
// exists before the old object goes, and what depends on it moves to the
// new object before the old one is destroyed.
func TestCreateBeforeDestroyOrder(t *testing.T) {
	const src = `
variable "seed" { default = 1 }
experiment "a" {
  seed = var.seed
  lifecycle { create_before_destroy = true }
}
experiment "b" { name = experiment.a.id }
`
	e := newEngine(t)
	e.apply(e.plan(src, nil, nil))
	cs := e.plan(src, map[string]string{"seed": "2"}, nil)
	if c := cs.Change("experiment.a"); c.Action != plan.CreateThenDelete {
		t.Fatalf("experiment.a: action %s, want create then delete", c.Action)
	}
	e.apply(cs)
	want := []string{"create experiment.a", "update experiment.b", "delete experiment.a"}
	if diff := cmp.Diff(want, e.prov.applied); diff != "" {
		t.Errorf("order of provider calls (-want +got):\n%s", diff)
	}
	if n := len(e.prov.objectIDs()); n != 2 {
		t.Errorf("the provider holds %d objects after the replacement, want 2 (new a and b): %v", n, e.prov.objectIDs())
	}
	if !strings.Contains(stateID(t, e.state, "experiment.b"), `"id-3"`) {
		t.Errorf("experiment.b does not name the new experiment.a (id-3): %s", stateID(t, e.state, "experiment.b"))
	}
}

// TestDeleteBeforeCreateOrder: without create_before_destroy a replacement
// destroys the old object first.
func TestDeleteBeforeCreateOrder(t *testing.T) {
	const src = `
variable "seed" { default = 1 }
experiment "a" { seed = var.seed }
experiment "b" { name = experiment.a.id }
`
	e := newEngine(t)
	e.apply(e.plan(src, nil, nil))
	e.apply(e.plan(src, map[string]string{"seed": "2"}, nil))
	want := []string{"delete experiment.a", "create experiment.a", "update experiment.b"}
	if diff := cmp.Diff(want, e.prov.applied); diff != "" {
		t.Errorf("order of provider calls (-want +got):\n%s", diff)
	}
}

// TestTaintedIsReplaced: an instance whose apply failed after it was
// created is kept in state as tainted; the next plan replaces it, says why,
// and the replacement is ready.
func TestTaintedIsReplaced(t *testing.T) {
	const src = `
experiment "a" { seed = 1 }
experiment "b" { name = experiment.a.id }
`
	e := newEngine(t)
	e.prov.failing["experiment.a"] = true
	cfg, opts := e.load(src, nil)
	cs, diags := plan.Plan(context.Background(), cfg, e.state, e.providers(), opts)
	mustOK(t, diags)
	st, diags := plan.Apply(context.Background(), cs, e.providers(), nil)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "experiment.a failed after it was created") {
		t.Fatalf("want the provider's failure, got %v", diags)
	}
	if inst := st.Instance("experiment.a", ""); inst == nil || inst.Status != state.Tainted {
		t.Fatalf("experiment.a after a failed apply: %+v, want tainted", inst)
	}
	if inst := st.Instance("experiment.b", ""); inst != nil {
		t.Errorf("experiment.b, which depends on the failed instance, was applied: %+v", inst)
	}
	e.state = st
	delete(e.prov.failing, "experiment.a")

	cs = e.plan(src, nil, nil)
	a := cs.Change("experiment.a")
	if a.Action != plan.DeleteThenCreate || len(a.Reasons) == 0 || a.Reasons[0] != "tainted: its last apply failed" {
		t.Fatalf("experiment.a: action %s, reasons %q; want a replacement because it is tainted", a.Action, a.Reasons)
	}
	e.apply(cs)
	want := []string{"delete experiment.a", "create experiment.a", "create experiment.b"}
	if diff := cmp.Diff(want, e.prov.applied); diff != "" {
		t.Errorf("order of provider calls (-want +got):\n%s", diff)
	}
	if inst := e.state.Instance("experiment.a", ""); inst == nil || inst.Status != state.Ready {
		t.Errorf("experiment.a after the replacement: %+v, want ready", inst)
	}
	if cs := e.plan(src, nil, nil); cs.HasChanges() {
		t.Errorf("plan after the replacement: %v", actions(cs))
	}
}

// TestReplaceFlag: -replace names an instance or a whole resource; only
// what it names is replaced, dependents are updated, and a second plan is
// empty.
func TestReplaceFlag(t *testing.T) {
	const src = `
experiment "many" {
  count = 3
  seed  = count.index
}
experiment "dep" { name = experiment.many[1].id }
`
	for _, tc := range []struct {
		name, replace string
		want          map[string]string
	}{
		{"one instance", "experiment.many[1]", map[string]string{"experiment.many[1]": "replace", "experiment.dep": "update"}},
		{"whole resource", "experiment.many", map[string]string{
			"experiment.many[0]": "replace", "experiment.many[1]": "replace", "experiment.many[2]": "replace", "experiment.dep": "update",
		}},
		{"a dependent only", "experiment.dep", map[string]string{"experiment.dep": "replace"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t)
			e.apply(e.plan(src, nil, nil))
			before := len(e.prov.objectIDs())
			cs := e.plan(src, nil, func(o *plan.Options) {
				a, diags := lang.ParseInstanceAddr(tc.replace, kinds.Builtin())
				mustOK(t, diags)
				o.Replace = []lang.InstanceAddr{a}
			})
			if diff := cmp.Diff(tc.want, actions(cs)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			for addr, act := range tc.want {
				if act == "replace" && cs.Change(addr).Reasons[0] != "replacement requested with -replace" {
					t.Errorf("%s: reasons %q", addr, cs.Change(addr).Reasons)
				}
			}
			e.apply(cs)
			if after := len(e.prov.objectIDs()); after != before {
				t.Errorf("the provider holds %d objects, before the replacement %d", after, before)
			}
			if cs := e.plan(src, nil, nil); cs.HasChanges() {
				t.Errorf("plan after the replacement: %v", actions(cs))
			}
		})
	}
}
