package main_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/state/tracking"
)

// TestPlanAfterChangesOutside changes experiments in the tracking store
// behind mltf's back, through the real registry plugin: the plan, which
// plans each instance against its prior value in the same call as its
// refresh, must be the plan against the refreshed values. An edited
// description is put back, an edit that ignore_changes covers is kept,
// a deleted experiment is created again, and what refers to them stays.
func TestPlanAfterChangesOutside(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": `
experiment "base" {
  description = "base"
}
experiment "child" {
  tags = { parent = experiment.base.id }
}
experiment "kept" {
  tags = { owner = "a" }
  lifecycle { ignore_changes = [tags] }
}
experiment "gone" {
  description = "gone"
}
`})
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")

	ctx := context.Background()
	st, err := tracking.Open(ctx, "sqlite://.mltf/tracking.db", dir)
	if err != nil {
		t.Fatal(err)
	}
	all, err := st.ListExperiments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		switch e.Name {
		case "base":
			e.Description = "edited"
			err = st.UpdateExperiment(ctx, e)
		case "kept":
			e.Tags = map[string]string{"owner": "edited"}
			err = st.UpdateExperiment(ctx, e)
		case "gone":
			err = st.DeleteExperiment(ctx, e.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	plan := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode")
	for _, want := range []string{
		"experiment.base changed outside mltf",
		"experiment.kept changed outside mltf",
		"experiment.gone is gone: it will be created again",
		"experiment.base will be updated",
		`"edited" -> "base"`,
		"experiment.gone will be created",
		"Plan: 1 to add, 1 to change, 0 to destroy.",
	} {
		if !strings.Contains(plan.Stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, plan.Stdout)
		}
	}
	for _, unwanted := range []string{"experiment.child will", "experiment.kept will"} {
		if strings.Contains(plan.Stdout, unwanted) {
			t.Errorf("plan output has %q:\n%s", unwanted, plan.Stdout)
		}
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")
}
