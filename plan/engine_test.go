package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state"
)

type engine struct {
	t     *testing.T
	prov  *memProvider
	state *state.State
}

func newEngine(t *testing.T) *engine {
	return &engine{t: t, prov: newMemProvider(), state: state.New()}
}

func (e *engine) providers() *plan.Providers {
	return plan.NewProviders(func(name string) (providers.Interface, error) { return e.prov, nil }, providers.Settings{})
}

func (e *engine) load(src string, vars map[string]string) (*lang.Config, plan.Options) {
	e.t.Helper()
	cfg, diags := lang.LoadSources(e.t.TempDir(), map[string][]byte{"main.mltf.hcl": []byte(src)}, lang.BuiltinKinds)
	mustOK(e.t, diags)
	var raws []lang.RawVar
	for k, v := range vars {
		raws = append(raws, lang.RawVar{Name: k, Raw: v, Source: "-var"})
	}
	vals, diags := lang.VariableValues(cfg, raws)
	mustOK(e.t, diags)
	return cfg, plan.Options{Variables: vals, Refresh: true, Parallelism: 4}
}

func (e *engine) plan(src string, vars map[string]string, tweak func(*plan.Options)) *plan.Changeset {
	e.t.Helper()
	cfg, opts := e.load(src, vars)
	if tweak != nil {
		tweak(&opts)
	}
	cs, diags := plan.Plan(context.Background(), cfg, e.state, e.providers(), opts)
	mustOK(e.t, diags)
	return cs
}

func (e *engine) apply(cs *plan.Changeset) {
	e.t.Helper()
	e.prov.applied = nil
	st, diags := plan.Apply(context.Background(), cs, e.providers(), nil)
	mustOK(e.t, diags)
	e.state = st
}

func mustOK(t *testing.T, diags hcl.Diagnostics) {
	t.Helper()
	if diags.HasErrors() {
		t.Fatalf("unexpected errors: %s", diags.Error())
	}
}

func actions(cs *plan.Changeset) map[string]string {
	ret := map[string]string{}
	for _, c := range cs.Changes {
		if c.Action != plan.NoOp {
			ret[c.Key()] = c.Action.Word()
		}
	}
	return ret
}

func TestPlanApplyLifecycle(t *testing.T) {
	const src = `
variable "seed" {
  type    = number
  default = 1
}
locals { prefix = "run" }
experiment "base" {
  name = "${local.prefix}-base"
  seed = var.seed
}
experiment "many" {
  count = 3
  name  = "${experiment.base.id}-${count.index}"
}
experiment "each" {
  for_each = { a = "x", b = "y" }
  name     = "${each.key}=${each.value}"
}
output "base_id" { value = experiment.base.id }
`
	e := newEngine(t)
	cs := e.plan(src, nil, nil)
	want := map[string]string{
		"experiment.base": "create", "experiment.many[0]": "create", "experiment.many[1]": "create",
		"experiment.many[2]": "create", `experiment.each["a"]`: "create", `experiment.each["b"]`: "create",
	}
	if diff := cmp.Diff(want, actions(cs)); diff != "" {
		t.Fatalf("first plan (-want +got):\n%s", diff)
	}
	if after := cs.Change("experiment.many[1]").After.GetAttr("name"); after.IsKnown() {
		t.Errorf("name of many[1] should be unknown until base is created, got %#v", after)
	}
	e.apply(cs)
	if got := len(instanceAddrs(e.state)); got != 6 {
		t.Fatalf("state holds %d instances, want 6", got)
	}
	if e.state.Outputs["base_id"] == nil {
		t.Fatal("output base_id not recorded")
	}

	t.Run("no changes", func(t *testing.T) {
		cs := e.plan(src, nil, nil)
		if cs.HasChanges() {
			t.Fatalf("second plan has changes: %v", actions(cs))
		}
	})
	t.Run("a forcing change replaces and cascades", func(t *testing.T) {
		cs := e.plan(src, map[string]string{"seed": "2"}, nil)
		got := actions(cs)
		if got["experiment.base"] != "replace" {
			t.Fatalf("base: %q, want replace", got["experiment.base"])
		}
		for i := 0; i < 3; i++ {
			addr := "experiment.many[" + string(rune('0'+i)) + "]"
			if got[addr] != "update" {
				t.Errorf("%s: %q, want update (its name derives from base.id)", addr, got[addr])
			}
		}
		if _, ok := got[`experiment.each["a"]`]; ok {
			t.Errorf("each[a] should be unchanged")
		}
		e.apply(cs)
	})
	t.Run("count shrink deletes the extra instance", func(t *testing.T) {
		cs := e.plan(strings.Replace(src, "count = 3", "count = 2", 1), map[string]string{"seed": "2"}, nil)
		if diff := cmp.Diff(map[string]string{"experiment.many[2]": "destroy"}, actions(cs)); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
	t.Run("target limits the plan", func(t *testing.T) {
		cs := e.plan(src, map[string]string{"seed": "3"}, func(o *plan.Options) {
			a, _ := lang.ParseInstanceAddr(`experiment.each["a"]`, kinds.Builtin())
			o.Targets = []lang.InstanceAddr{a}
		})
		if cs.HasChanges() {
			t.Fatalf("targeting an unchanged instance should plan nothing, got %v", actions(cs))
		}
	})
	t.Run("replace flag", func(t *testing.T) {
		cs := e.plan(src, map[string]string{"seed": "2"}, func(o *plan.Options) {
			a, _ := lang.ParseInstanceAddr(`experiment.each["b"]`, kinds.Builtin())
			o.Replace = []lang.InstanceAddr{a}
		})
		if diff := cmp.Diff(map[string]string{`experiment.each["b"]`: "replace"}, actions(cs)); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
	t.Run("destroy", func(t *testing.T) {
		cs := e.plan(src, map[string]string{"seed": "2"}, func(o *plan.Options) { o.Destroy = true })
		if s := cs.Summary(); s.Destroy != 6 {
			t.Fatalf("destroy plan: %+v", s)
		}
		e.apply(cs)
		if n := len(instanceAddrs(e.state)); n != 0 {
			t.Fatalf("state holds %d instances after destroy", n)
		}
		// base is destroyed after everything that depends on it.
		pos := map[string]int{}
		for i, a := range e.prov.applied {
			pos[a] = i
		}
		for _, dep := range []string{"experiment.many[0]", "experiment.many[1]"} {
			if pos["delete experiment.base"] < pos["delete "+dep] {
				t.Errorf("experiment.base deleted before %s: %v", dep, e.prov.applied)
			}
		}
	})
}

func TestLifecycle(t *testing.T) {
	e := newEngine(t)
	src := `
experiment "kept" {
  seed = 1
  tags = { owner = "a" }
  lifecycle {
    prevent_destroy = true
    ignore_changes  = [tags]
  }
}
`
	e.apply(e.plan(src, nil, nil))
	cs := e.plan(strings.Replace(src, `owner = "a"`, `owner = "b"`, 1), nil, nil)
	if cs.HasChanges() {
		t.Fatalf("ignore_changes: %v", actions(cs))
	}
	cfg, opts := e.load(strings.Replace(src, "seed = 1", "seed = 2", 1), nil)
	_, diags := plan.Plan(context.Background(), cfg, e.state, e.providers(), opts)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "cannot be destroyed") {
		t.Fatalf("prevent_destroy: want an error, got %v", diags)
	}
}

func TestSensitive(t *testing.T) {
	e := newEngine(t)
	cs := e.plan(`
variable "token" {
  default   = "s3cret"
  sensitive = true
}
experiment "a" { secret = var.token }
experiment "b" { name = var.token }
`, nil, nil)
	b := cs.Change("experiment.b")
	if len(b.Sensitive) == 0 || !b.Sensitive[0].Equals(cty.GetAttrPath("name")) {
		t.Errorf("experiment.b: sensitive paths %#v, want name", b.Sensitive)
	}
}

func TestPlanFileRoundTrip(t *testing.T) {
	e := newEngine(t)
	cs := e.plan(`
experiment "a" { seed = 1 }
experiment "b" { name = experiment.a.id }
`, nil, nil)
	b, err := plan.EncodePlan(cs, "test")
	if err != nil {
		t.Fatal(err)
	}
	got, diags := plan.DecodePlan(b, t.TempDir(), lang.BuiltinKinds)
	mustOK(t, diags)
	if diff := cmp.Diff(actions(cs), actions(got)); diff != "" {
		t.Fatalf("(-before +after):\n%s", diff)
	}
	if got.Change("experiment.b").After.GetAttr("name").IsKnown() {
		t.Error("unknown value became known in the round trip")
	}
	got.Prior = e.state
	e.apply(got)
	if n := len(instanceAddrs(e.state)); n != 2 {
		t.Fatalf("state has %d instances after applying the decoded plan", n)
	}
}

func instanceAddrs(st *state.State) []string {
	var ret []string
	for addr, r := range st.Resources {
		for k := range r.Instances {
			ret = append(ret, state.InstanceAddr(addr, k))
		}
	}
	return ret
}
