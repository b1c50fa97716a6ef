package views

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
)

// goldenChangeset is a plan with one change of each kind: a training
// replaced because a param changed (with a secret in its environment), a
// model created, an experiment destroyed, and outputs.
func goldenChangeset() *plan.Changeset {
	addr := func(kind, name string) lang.InstanceAddr {
		return lang.InstanceAddr{Resource: lang.ResourceAddr{Kind: kind, Name: name}}
	}
	training := func(lr float64, runID cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{
			"params":       cty.ObjectVal(map[string]cty.Value{"lr": cty.NumberFloatVal(lr), "epochs": cty.NumberIntVal(20)}),
			"env":          cty.MapVal(map[string]cty.Value{"API_TOKEN": cty.StringVal("SUPERSECRET123")}),
			"run_id":       runID,
			"memory_bytes": cty.NumberIntVal(25_000_000_000),
		})
	}
	model := cty.ObjectVal(map[string]cty.Value{
		"from":    cty.StringVal("9bec…"),
		"aliases": cty.ListVal([]cty.Value{cty.StringVal("production")}),
		"version": cty.UnknownVal(cty.Number),
	})
	experiment := cty.ObjectVal(map[string]cty.Value{"description": cty.StringVal("old <b>one</b>"), "memory_bytes": cty.NumberIntVal(25_000_000_000)})
	return &plan.Changeset{
		Applyable:    true,
		PriorLineage: "4b0f5a0e-8d7c-4b61-9a3e-2f1d0c9b8a77",
		PriorSerial:  7,
		Changes: []*plan.Change{
			{Addr: addr("experiment", "old"), Action: plan.Delete, Before: experiment, After: cty.NullVal(experiment.Type()),
				Reasons: []string{"gone from the configuration"}},
			{Addr: addr("model", "digits"), Action: plan.Create, Before: cty.NullVal(model.Type()), After: model,
				References: map[string]string{"from": "training.mlp"}, Reasons: []string{"alias production: gates evaluated at apply"}},
			{Addr: addr("training", "mlp"), Action: plan.DeleteThenCreate,
				Before: training(0.05, cty.StringVal("9bec929093624fa787b92602752a31ab")), After: training(0.1, cty.UnknownVal(cty.String)),
				RequiresReplace: []cty.Path{cty.GetAttrPath("params")},
				Sensitive:       []cty.Path{cty.GetAttrPath("env").Index(cty.StringVal("API_TOKEN"))},
				Reasons:         []string{"params.lr 0.05 -> 0.1"}},
			{Addr: addr("training", "mlp"), Deposed: "6f1c2e0a", Action: plan.Delete,
				Before: training(0.01, cty.StringVal("5d1e0c2a9b8f4e3d")), After: cty.NullVal(training(0.01, cty.StringVal("")).Type()),
				Sensitive: []cty.Path{cty.GetAttrPath("env").Index(cty.StringVal("API_TOKEN"))},
				Reasons:   []string{"it is the old object of a create_before_destroy replacement, whose destruction failed"}},
		},
		Outputs: []*plan.OutputChange{
			{Name: "accuracy", Before: cty.NumberFloatVal(0.95), After: cty.UnknownVal(cty.Number)},
			{Name: "token", Before: cty.StringVal("SUPERSECRET123"), After: cty.UnknownVal(cty.String), Sensitive: true},
		},
	}
}

func TestGoldenPlan(t *testing.T) {
	cs := goldenChangeset()
	var human, md strings.Builder
	NewPlan(&human).Show(cs)
	PlanMarkdown(&md, cs)
	for name, out := range map[string]string{"plan/human.txt": human.String(), "plan/markdown.md": md.String()} {
		if strings.Contains(out, "SUPERSECRET123") {
			t.Errorf("%s shows a sensitive value:\n%s", name, out)
		}
		if strings.Contains(out, "e+") {
			t.Errorf("%s prints a number in scientific notation:\n%s", name, out)
		}
		golden(t, name, out)
	}
	if n := strings.Count(md.String(), "<details>"); n != 5 {
		t.Errorf("the comment has %d collapsible sections, want one per change and one for the outputs", n)
	}

	var none strings.Builder
	PlanMarkdown(&none, &plan.Changeset{Applyable: true})
	golden(t, "plan/markdown_no_changes.md", none.String())
}
