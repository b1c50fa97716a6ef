package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/plan"
)

// TestCountForEachAtPlan: plan refuses the count and for_each values that
// mltf validate refuses (testdata/invalid/count_negative and
// for_each_list), with the same words, and also those known only after
// apply, which validate lets through.
func TestCountForEachAtPlan(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"negative count", `experiment "a" { count = -1 }`, "count must be a whole number, zero or more; got -1."},
		{"fractional count", `experiment "a" { count = 1.5 }`, "count must be a whole number, zero or more; got 1.5."},
		{"string count", `experiment "a" { count = "two" }`, "count must be a whole number."},
		{"count after apply", "experiment \"x\" {}\nexperiment \"a\" { count = length(experiment.x.id) }", "The count depends on values known only after apply."},
		{"tuple", `experiment "a" { for_each = ["a", "b"] }`, "got tuple. To use a list, convert it with toset()."},
		{"list variable", "variable \"l\" {\n  type    = list(string)\n  default = [\"a\"]\n}\nexperiment \"a\" { for_each = var.l }", "got list of string."},
		{"null", `experiment "a" { for_each = null }`, "not null."},
		{"tuple known after apply", "experiment \"x\" {}\nexperiment \"a\" { for_each = [experiment.x.id] }", "got tuple."},
		{"map known after apply", "experiment \"x\" {}\nexperiment \"a\" { for_each = { k = experiment.x.id } }", "The for_each value depends on values known only after apply."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t)
			cfg, opts := e.load(tc.src, nil)
			_, diags := plan.Plan(context.Background(), cfg, e.state, e.providers(), opts)
			var found bool
			for _, d := range diags {
				found = found || d.Severity == hcl.DiagError && strings.HasPrefix(d.Summary, "Invalid ") && strings.Contains(d.Detail, tc.want) && d.Subject != nil
			}
			if !found {
				t.Errorf("plan: want an error with %q at the argument, got %v", tc.want, diags)
			}
		})
	}
}
