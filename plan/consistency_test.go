package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mltf/mltf/kinds"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/state"
)

// TestStaleApprovedPlanRefused: what the provider plans at apply time must
// agree with the approved plan; when the data changed in between, the
// instance fails before the provider changes anything, and state stays.
func TestStaleApprovedPlanRefused(t *testing.T) {
	const src = `
experiment "a" { seed = 1 }
experiment "b" { name = experiment.a.id }
`
	e := newEngine(t)
	e.prov.source = "9f2c1a7be04d55aa0c11e0d3f2b4c6d8"
	cs := e.plan(src, nil, nil)
	b, err := plan.EncodePlan(cs, "test")
	if err != nil {
		t.Fatal(err)
	}
	saved, diags := plan.DecodePlan(b, t.TempDir(), lang.BuiltinKinds)
	mustOK(t, diags)
	saved.Prior = e.state

	e.prov.source = "77ab02c4d9e1f0a3b5c7d9e1f3a5b7c9"
	st, diags := plan.Apply(context.Background(), saved, e.providers(), nil)
	if !diags.HasErrors() {
		t.Fatal("applying a plan whose data changed since succeeded")
	}
	const want = "experiment.a changed since the plan was made (fingerprint 9f2c1a7be04d… -> 77ab02c4d9e1…); plan again"
	if got := diags[0].Summary; got != want {
		t.Errorf("summary:\n got %s\nwant %s", got, want)
	}
	if d := diags[0].Detail; !strings.Contains(d, `fingerprint: approved "9f2c1a7be04d55aa0c11e0d3f2b4c6d8", now "77ab02c4d9e1f0a3b5c7d9e1f3a5b7c9"`) {
		t.Errorf("detail does not name the path with both values:\n%s", d)
	}
	if len(e.prov.applied) != 0 {
		t.Errorf("the provider changed %v", e.prov.applied)
	}
	if n := len(instanceAddrs(st)); n != 0 {
		t.Errorf("state holds %d instances, want the prior (empty) state", n)
	}
}

// TestApprovedPrivateApplied: the approved plan's private data is what the
// provider applies when nothing became known since the plan; a value that
// was unknown at plan time takes the final plan's.
func TestApprovedPrivateApplied(t *testing.T) {
	e := newEngine(t)
	cs := e.plan(`
experiment "a" { seed = 1 }
experiment "b" { name = experiment.a.id }
`, nil, nil)
	approvedA := string(cs.Change("experiment.a").AfterPrivate)
	e.apply(cs)
	if got := e.prov.privates["experiment.a"]; got != approvedA {
		t.Errorf("experiment.a applied with private %q, want the approved %q", got, approvedA)
	}
	if got := e.prov.privates["experiment.b"]; got == string(cs.Change("experiment.b").AfterPrivate) {
		t.Errorf("experiment.b, whose name became known at apply, applied the plan-time private %q", got)
	}
}

// TestReplaceIsPlannedAsCreate: the planned value of a replacement (here
// forced with -replace) is the plan of a new object, so applying it agrees
// with what was approved.
func TestReplaceIsPlannedAsCreate(t *testing.T) {
	const src = `experiment "a" { seed = 1 }`
	e := newEngine(t)
	e.apply(e.plan(src, nil, nil))
	cs := e.plan(src, nil, func(o *plan.Options) {
		a, _ := lang.ParseInstanceAddr("experiment.a", kinds.Builtin())
		o.Replace = []lang.InstanceAddr{a}
	})
	c := cs.Change("experiment.a")
	if c.Action != plan.DeleteThenCreate || c.After.GetAttr("id").IsKnown() {
		t.Fatalf("action %s, planned id %#v: want a replacement with a new id", c.Action, c.After.GetAttr("id"))
	}
	e.apply(cs)
}

// TestCheckPrior: a saved plan applies only to the state it was made
// against: same lineage, same serial, same objects.
func TestCheckPrior(t *testing.T) {
	withInstance := func(serial uint64, lineage string, deposed bool) *state.State {
		st := &state.State{Lineage: lineage, Serial: serial}
		inst := &state.Instance{Status: state.Ready, Attributes: []byte(`{"name":"a"}`)}
		if deposed {
			inst.Deposed = map[string]*state.Instance{"6f1c2e0a": {Status: state.Ready, Attributes: []byte(`{"name":"old"}`)}}
		}
		st.SetInstance("experiment.a", "experiment", "a", "registry", "", inst)
		return st
	}
	digest := func(st *state.State) string {
		d, err := st.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cs := &plan.Changeset{PriorLineage: "L1", PriorSerial: 4, PriorDigest: digest(withInstance(4, "L1", false))}
	for _, tc := range []struct {
		name    string
		cs      *plan.Changeset
		st      *state.State
		wantErr string
	}{
		{"same state", cs, withInstance(4, "L1", false), ""},
		{"serial moved", cs, withInstance(5, "L1", false), "the state is now at serial 5 (lineage L1): something was applied since"},
		{"another lineage", cs, withInstance(4, "L2", false), "it belongs to another state"},
		{"deposed object at the same serial", cs, withInstance(4, "L1", true), "its objects changed since, at the same serial"},
		{"no digest", &plan.Changeset{PriorLineage: "L1", PriorSerial: 4}, withInstance(4, "L1", false), "records no digest"},
		// A new state's lineage is not fixed until it is written.
		{"fresh state", &plan.Changeset{PriorLineage: "L0", PriorSerial: 0, PriorDigest: digest(state.New())}, &state.State{Lineage: "L9", Serial: 0}, ""},
		{"fresh state with a journal", &plan.Changeset{PriorLineage: "L0", PriorSerial: 0, PriorDigest: digest(state.New())}, withInstance(0, "L9", false), "its objects changed since"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags := tc.cs.CheckPrior(tc.st)
			if tc.wantErr == "" {
				mustOK(t, diags)
				return
			}
			if !diags.HasErrors() || diags[0].Summary != "Saved plan is stale" || !strings.Contains(diags[0].Detail, tc.wantErr) {
				t.Errorf("got %v, want %q", diags, tc.wantErr)
			}
		})
	}
}

// TestSavedPlanRecordsPriorDigest: a saved plan carries the digest of the
// state it was planned against, so that CheckPrior can compare it.
func TestSavedPlanRecordsPriorDigest(t *testing.T) {
	e := newEngine(t)
	e.apply(e.plan(`experiment "a" { seed = 1 }`, nil, nil))
	cs := e.plan(`experiment "a" { seed = 2 }`, nil, nil)
	b, err := plan.EncodePlan(cs, "test")
	if err != nil {
		t.Fatal(err)
	}
	saved, diags := plan.DecodePlan(b, t.TempDir(), lang.BuiltinKinds)
	mustOK(t, diags)
	mustOK(t, saved.CheckPrior(e.state))
	moved := e.state.DeepCopy()
	inst := moved.Instance("experiment.a", "")
	inst.Deposed = map[string]*state.Instance{"6f1c2e0a": inst.DeepCopy()}
	if diags := saved.CheckPrior(moved); !diags.HasErrors() {
		t.Error("a saved plan applies to a state that gained a deposed object since")
	}
}
