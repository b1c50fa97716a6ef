package views

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
)

// expression is the value the engine hands a provider for an Expression
// attribute: its source and the values in scope.
func expression(src string, scope cty.Value) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"source": cty.StringVal(src), "filename": cty.StringVal("main.mltf.hcl"),
		"line": cty.NumberIntVal(3), "column": cty.NumberIntVal(15), "scope": scope,
	})
}

// A dataset that changes shows in the plan of the dataset, not a second time
// inside every expression that refers to it; and the old content of a large
// map that becomes unknown prints as its size, not as a line of thousands of
// characters.
func TestPlanShowsChangesOnce(t *testing.T) {
	stats := map[string]cty.Value{}
	for _, c := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		stats[c] = cty.ObjectVal(map[string]cty.Value{"count": cty.NumberIntVal(600), "mean": cty.NumberFloatVal(4.4483333)})
	}
	statistics := cty.MapVal(stats)
	step := func(version int64, stats cty.Value) cty.Value {
		scope := cty.ObjectVal(map[string]cty.Value{"dataset": cty.ObjectVal(map[string]cty.Value{
			"raw": cty.ObjectVal(map[string]cty.Value{"version": cty.NumberIntVal(version), "statistics": stats})})})
		return cty.ObjectVal(map[string]cty.Value{
			"inputs":     expression("{ raw = dataset.raw }", scope),
			"statistics": stats,
			"metrics":    cty.MapVal(map[string]cty.Value{"loss": cty.NumberFloatVal(0.25)}),
			"path":       cty.StringVal(strings.Repeat("/long", 30)),
		})
	}
	before := step(1, statistics)
	after := cty.ObjectVal(map[string]cty.Value{
		"inputs":     expression("{ raw = dataset.raw }", cty.UnknownVal(before.GetAttr("inputs").GetAttr("scope").Type())),
		"statistics": cty.UnknownVal(statistics.Type()),
		"metrics":    cty.UnknownVal(cty.Map(cty.Number)),
		"path":       cty.UnknownVal(cty.String),
	})
	cs := &plan.Changeset{Applyable: true, Changes: []*plan.Change{{
		Addr:   lang.InstanceAddr{Resource: lang.ResourceAddr{Kind: "pipeline", Name: "prep"}},
		Action: plan.Update, Before: before, After: after,
		Reasons: []string{"step clean: input raw changed (version 1 -> 2)"},
	}}}
	var out strings.Builder
	NewPlan(&out).Show(cs)
	got := out.String()
	if strings.Contains(got, "scope") || strings.Contains(got, "inputs") {
		t.Errorf("the plan shows an unchanged expression through the values it refers to:\n%s", got)
	}
	if !strings.Contains(got, "statistics = { ... 10 entries } -> (known after apply)") {
		t.Errorf("the plan does not shorten the old statistics:\n%s", got)
	}
	if !strings.Contains(got, "metrics    = { loss = 0.25 } -> (known after apply)") {
		t.Errorf("the plan shortens a small map:\n%s", got)
	}
	for _, line := range strings.Split(got, "\n") {
		if len(line) > 200 {
			t.Errorf("line of %d characters: %.100s...", len(line), line)
		}
	}

	// A changed expression still shows, as its source.
	after2 := cty.ObjectVal(map[string]cty.Value{
		"inputs":     expression("{ raw = dataset.other }", before.GetAttr("inputs").GetAttr("scope")),
		"statistics": statistics,
		"metrics":    before.GetAttr("metrics"),
		"path":       before.GetAttr("path"),
	})
	cs.Changes[0].After = after2
	out.Reset()
	NewPlan(&out).Show(cs)
	if !strings.Contains(out.String(), "inputs = { raw = dataset.raw } -> { raw = dataset.other }") {
		t.Errorf("a changed expression is not shown by its source:\n%s", out.String())
	}
}

// An attribute that refers to another resource shows as that reference, on
// one line, whether the whole attribute is the reference (from) or an entry
// of a map of references (data.train); the referenced resource's own change
// lists its attributes.
func TestPlanShowsReferencesOnce(t *testing.T) {
	run := func(id cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"run_id": id, "metrics": cty.MapVal(map[string]cty.Value{"loss": cty.NumberFloatVal(0.2)})})
	}
	dataset := func(version cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"version": version, "path": cty.StringVal("/data/x.csv")})
	}
	model := func(from cty.Value) cty.Value { return cty.ObjectVal(map[string]cty.Value{"from": from}) }
	training := func(train cty.Value, runID cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{
			"data":   cty.ObjectVal(map[string]cty.Value{"train": train}),
			"run_id": runID,
		})
	}
	unknownRun := cty.UnknownVal(run(cty.StringVal("")).Type())
	cs := &plan.Changeset{Applyable: true, Changes: []*plan.Change{
		{Addr: lang.InstanceAddr{Resource: lang.ResourceAddr{Kind: "model", Name: "digits"}}, Action: plan.Update,
			Before: model(run(cty.StringVal("9bec"))), After: model(unknownRun),
			References: map[string]string{"from": "training.mlp"}},
		{Addr: lang.InstanceAddr{Resource: lang.ResourceAddr{Kind: "training", Name: "mlp"}}, Action: plan.DeleteThenCreate,
			Before: training(dataset(cty.NumberIntVal(1)), cty.StringVal("9bec")), After: training(dataset(cty.UnknownVal(cty.Number)), cty.UnknownVal(cty.String)),
			References: map[string]string{"data.train": "dataset.features"}, RequiresReplace: []cty.Path{cty.GetAttrPath("data").GetAttr("train").GetAttr("version")}},
		{Addr: lang.InstanceAddr{Resource: lang.ResourceAddr{Kind: "training", Name: "new"}}, Action: plan.Create,
			Before: cty.NullVal(training(dataset(cty.NumberIntVal(1)), cty.StringVal("")).Type()), After: training(dataset(cty.NumberIntVal(1)), cty.UnknownVal(cty.String)),
			References: map[string]string{"data.train": "dataset.features"}},
	}}
	var out strings.Builder
	NewPlan(&out).Show(cs)
	got := out.String()
	for _, want := range []string{
		"~ from = training.mlp (changes with it)\n",
		"~ data.train = dataset.features (changes with it) # forces replacement\n",
		"+ data   = { train = dataset.features }\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the plan lacks %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"from.run_id", "from.metrics", "data.train.version", "/data/x.csv"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("the plan repeats %s of a referenced resource:\n%s", unwanted, got)
		}
	}
}
