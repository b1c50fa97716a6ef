package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

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

// TestCreateBeforeDestroyDeposed: when the old object of a
// create_before_destroy replacement cannot be destroyed, it stays in state
// as a deposed object of its instance; the next plan shows its destruction,
// a saved plan carries it, and the next apply destroys it. Destroying
// everything takes deposed objects too, before their instance.
func TestCreateBeforeDestroyDeposed(t *testing.T) {
	const src = `
variable "seed" { default = 1 }
experiment "a" {
  seed = var.seed
  lifecycle { create_before_destroy = true }
}
`
	e := newEngine(t)
	e.apply(e.plan(src, nil, nil))
	e.prov.undeletable["id-1"] = true
	cfg, opts := e.load(src, map[string]string{"seed": "2"})
	cs, diags := plan.Plan(context.Background(), cfg, e.state, e.providers(), opts)
	mustOK(t, diags)
	st, diags := plan.Apply(context.Background(), cs, e.providers(), nil)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "Cannot delete id-1") {
		t.Fatalf("want the provider's failure to delete the old object, got %v", diags)
	}
	inst := st.Instance("experiment.a", "")
	if inst == nil || !strings.Contains(string(inst.Attributes), `"id-2"`) {
		t.Fatalf("experiment.a is not the new object id-2: %+v", inst)
	}
	if len(inst.Deposed) != 1 {
		t.Fatalf("experiment.a has %d deposed objects, want the old one: %+v", len(inst.Deposed), inst.Deposed)
	}
	var dk string
	for k, d := range inst.Deposed {
		dk = k
		if !strings.Contains(string(d.Attributes), `"id-1"`) || d.SchemaVersion != memVersion {
			t.Errorf("deposed object %s is not the old id-1: %s (schema version %d)", k, d.Attributes, d.SchemaVersion)
		}
	}
	kept := false
	for _, d := range diags {
		kept = kept || d.Severity == hcl.DiagWarning && d.Summary == "experiment.a: the old object is kept as deposed object "+dk
	}
	if !kept {
		t.Errorf("the diagnostics do not say the old object is kept: %v", diags)
	}
	e.state = st

	// Still undeletable: the plan shows it, the apply fails again and
	// keeps it.
	cs = e.plan(src, map[string]string{"seed": "2"}, nil)
	want := map[string]string{"experiment.a (deposed object " + dk + ")": "destroy"}
	if diff := cmp.Diff(want, actions(cs)); diff != "" {
		t.Fatalf("plan with a deposed object (-want +got):\n%s", diff)
	}
	if s := cs.Summary(); s.Destroy != 1 {
		t.Errorf("summary %+v, want 1 to destroy", s)
	}
	saved, err := plan.EncodePlan(cs, "test")
	if err != nil {
		t.Fatal(err)
	}
	cs, diags = plan.DecodePlan(saved, t.TempDir(), lang.BuiltinKinds)
	mustOK(t, diags)
	cs.Prior = e.state
	if diff := cmp.Diff(want, actions(cs)); diff != "" {
		t.Fatalf("saved plan (-want +got):\n%s", diff)
	}
	st, diags = plan.Apply(context.Background(), cs, e.providers(), nil)
	if !diags.HasErrors() {
		t.Fatalf("destroying the undeletable deposed object succeeded")
	}
	if inst := st.Instance("experiment.a", ""); inst == nil || inst.Deposed[dk] == nil {
		t.Fatalf("a failed destruction lost the deposed object: %+v", inst)
	}

	// It can go now.
	delete(e.prov.undeletable, "id-1")
	e.prov.applied = nil
	e.apply(e.plan(src, map[string]string{"seed": "2"}, nil))
	if diff := cmp.Diff([]string{"delete experiment.a"}, e.prov.applied); diff != "" {
		t.Errorf("provider calls (-want +got):\n%s", diff)
	}
	if inst := e.state.Instance("experiment.a", ""); inst == nil || len(inst.Deposed) > 0 || !strings.Contains(string(inst.Attributes), `"id-2"`) {
		t.Errorf("experiment.a after its deposed object was destroyed: %+v", inst)
	}
	if ids := e.prov.objectIDs(); len(ids) != 1 || ids[0] != "id-2" {
		t.Errorf("the provider holds %v, want only id-2", ids)
	}
	if cs := e.plan(src, map[string]string{"seed": "2"}, nil); cs.HasChanges() {
		t.Errorf("plan after the deposed object went: %v", actions(cs))
	}

	// Destroying everything takes a deposed object first, then the
	// instance.
	e.prov.undeletable["id-2"] = true
	st, _ = plan.Apply(context.Background(), e.plan(src, map[string]string{"seed": "3"}, nil), e.providers(), nil)
	e.state = st
	delete(e.prov.undeletable, "id-2")
	e.prov.applied = nil
	cs = e.plan(src, map[string]string{"seed": "3"}, func(o *plan.Options) { o.Destroy = true })
	if n := len(actions(cs)); n != 2 {
		t.Fatalf("destroy plan: %v, want the instance and its deposed object", actions(cs))
	}
	e.apply(cs)
	if diff := cmp.Diff([]string{"delete experiment.a", "delete experiment.a"}, e.prov.applied); diff != "" {
		t.Errorf("provider calls (-want +got):\n%s", diff)
	}
	if !e.state.Empty() || len(e.prov.objectIDs()) != 0 {
		t.Errorf("after destroy: state %v, provider %v", e.state.Addresses(), e.prov.objectIDs())
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
