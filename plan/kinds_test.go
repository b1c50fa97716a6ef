package plan_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/sdk"
	"github.com/mltf/mltf/state"
)

// noteKind is a tiny kind declared by a table row alone: nothing in lang,
// plan or cmd names it. Its provider is chosen by placement: the provider
// of the cluster its "on" attribute refers to; "nowhere" serves it only
// when the placement is not honoured.
var noteKind = kinds.Kind{
	Name:      "note",
	Summary:   "a note pinned to a pool",
	Provider:  "nowhere",
	Placement: &kinds.Placement{Attribute: "on", Kind: "cluster"},
}

// labProvider serves cluster and note, keeping objects in memory.
func labProvider() *sdk.Provider {
	created := 0
	create := func(_ context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
		created++
		return sdk.SetAttrs(c.Planned, map[string]cty.Value{"id": cty.StringVal(fmt.Sprintf("%s-%d", c.Address, created))}), nil
	}
	pool := &schema.NestedBlock{Nesting: schema.NestingMap, Block: schema.Block{
		Attributes: map[string]*schema.Attribute{"slots": {Type: cty.Number, Required: true}},
	}}
	return &sdk.Provider{Kinds: map[string]*sdk.Kind{
		"cluster": {Create: create, Schema: &schema.Block{
			Attributes: map[string]*schema.Attribute{"id": {Type: cty.String, Computed: true}},
			Blocks:     map[string]*schema.NestedBlock{"pool": pool},
		}},
		"note": {Create: create, Schema: &schema.Block{
			Attributes: map[string]*schema.Attribute{
				"on":   {Type: cty.DynamicPseudoType, Required: true},
				"text": {Type: cty.String, Required: true},
				"id":   {Type: cty.String, Computed: true},
			},
		}},
	}}
}

// TestKindFromTableAlone adds a kind through the kind table alone: the
// language accepts its blocks and references, the engine routes it by
// its placement, and a saved plan of it decodes and applies.
func TestKindFromTableAlone(t *testing.T) {
	table, err := kinds.Builtin().With(noteKind)
	if err != nil {
		t.Fatal(err)
	}
	withNote := func(*lang.Settings) (kinds.Table, hcl.Diagnostics) { return table, nil }

	// Without the row the language does not know the block type.
	if _, diags := lang.LoadDir(filepath.Join("testdata", "tinykind"), lang.BuiltinKinds); !strings.Contains(diags.Error(), `Blocks of type "note" are not expected here`) {
		t.Fatalf("loading without the row: %v", diags)
	}

	cfg, diags := lang.LoadDir(filepath.Join("testdata", "tinykind"), withNote)
	mustOK(t, diags)
	lab := labProvider()
	provs := func() *plan.Providers {
		return plan.NewProviders(func(name string) (providers.Interface, error) {
			if name != "lab" {
				return nil, fmt.Errorf("no provider %q here", name)
			}
			return lab, nil
		}, providers.Settings{})
	}
	target, diags := lang.ParseInstanceAddr("note.later", cfg.Kinds)
	mustOK(t, diags)
	cs, diags := plan.Plan(context.Background(), cfg, state.New(), provs(), plan.Options{Refresh: true, Parallelism: 2, Targets: []lang.InstanceAddr{target}})
	mustOK(t, diags)
	want := map[string]string{"cluster.lab": "create", "note.todo": "create", "note.later": "create"}
	if d := cmp.Diff(want, actions(cs)); d != "" {
		t.Fatalf("plan (-want +got):\n%s", d)
	}
	if c := cs.Change("note.later"); c.Provider != "lab" {
		t.Errorf("note.later is served by %q, want lab (the provider of its cluster)", c.Provider)
	}

	b, err := plan.EncodePlan(cs, "test")
	if err != nil {
		t.Fatal(err)
	}
	saved, diags := plan.DecodePlan(b, t.TempDir(), withNote)
	mustOK(t, diags)
	saved.Prior = state.New()
	st, diags := plan.Apply(context.Background(), saved, provs(), nil)
	mustOK(t, diags)
	later := st.Instance("note.later", "")
	if later == nil {
		t.Fatal("note.later is not in the state after apply")
	}
	if r := st.Resources["note.later"]; r.Kind != "note" || r.Provider != "lab" {
		t.Errorf("state records note.later as kind %q of provider %q", r.Kind, r.Provider)
	}
}

// TestResumableKindIsUpdatedAfterFailure: a resource whose apply failed is
// replaced on the next apply, unless its kind is resumable (a pipeline's
// finished steps stay): then it is updated, and says why.
func TestResumableKindIsUpdatedAfterFailure(t *testing.T) {
	for _, resumable := range []bool{false, true} {
		t.Run(fmt.Sprintf("resumable=%v", resumable), func(t *testing.T) {
			note := noteKind
			note.Resumable = resumable
			table, err := kinds.Builtin().With(note)
			if err != nil {
				t.Fatal(err)
			}
			withNote := func(*lang.Settings) (kinds.Table, hcl.Diagnostics) { return table, nil }
			cfg, diags := lang.LoadDir(filepath.Join("testdata", "tinykind"), withNote)
			mustOK(t, diags)
			lab := labProvider()
			create := lab.Kinds["note"].Create
			failing := true
			lab.Kinds["note"].Create = func(ctx context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
				v, _ := create(ctx, c)
				if failing && c.Address == "note.later" {
					return v, providers.Diagnostics{{Severity: providers.Error, Summary: "half done"}}
				}
				return v, nil
			}
			lab.Kinds["note"].Update = func(_ context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
				return c.Planned, nil
			}
			provs := plan.NewProviders(func(string) (providers.Interface, error) { return lab, nil }, providers.Settings{})
			opts := plan.Options{Refresh: true, Parallelism: 1}
			cs, diags := plan.Plan(context.Background(), cfg, state.New(), provs, opts)
			mustOK(t, diags)
			st, diags := plan.Apply(context.Background(), cs, provs, nil)
			if !diags.HasErrors() {
				t.Fatal("the first apply did not fail")
			}
			if got := st.Instance("note.later", "").Status; got != state.Tainted {
				t.Fatalf("note.later is %q after the failed apply, want tainted", got)
			}
			failing = false
			cs, diags = plan.Plan(context.Background(), cfg, st, provs, opts)
			mustOK(t, diags)
			c := cs.Change("note.later")
			want, reason := plan.DeleteThenCreate, "tainted: its last apply failed"
			if resumable {
				want, reason = plan.Update, "its last apply failed: it resumes, what finished stays"
			}
			if c.Action != want || len(c.Reasons) == 0 || c.Reasons[0] != reason {
				t.Fatalf("after the failure note.later plans %v %q, want %v %q", c.Action, c.Reasons, want, reason)
			}
			st, diags = plan.Apply(context.Background(), cs, provs, nil)
			mustOK(t, diags)
			if got := st.Instance("note.later", "").Status; got != state.Ready {
				t.Errorf("note.later is %q after the second apply, want ready", got)
			}
		})
	}
}
