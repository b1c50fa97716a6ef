package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mltf/mltf/plan"
)

// TestValidationConditions: as in Terraform 1.9, a variable's validation
// condition may call functions and refer to other variables.
func TestValidationConditions(t *testing.T) {
	const src = `
variable "team" {
  type = string
  validation {
    condition     = length(var.team) > 2
    error_message = "A team name has at least 3 letters."
  }
}

variable "max_nodes" {
  type    = number
  default = 4
}

variable "nodes" {
  type = number
  validation {
    condition     = var.nodes <= var.max_nodes
    error_message = "At most max_nodes nodes."
  }
}
`
	cases := []struct {
		name string
		vars map[string]string
		want string // "" for valid
	}{
		{"valid", map[string]string{"team": "vision", "nodes": "2"}, ""},
		{"function", map[string]string{"team": "cv", "nodes": "2"}, "A team name has at least 3 letters."},
		{"other variable", map[string]string{"team": "vision", "nodes": "8"}, "At most max_nodes nodes."},
		{"other variable set", map[string]string{"team": "vision", "nodes": "8", "max_nodes": "16"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t)
			cfg, opts := e.load(src, tc.vars)
			_, diags := plan.Plan(context.Background(), cfg, e.state, e.providers(), opts)
			switch {
			case tc.want == "" && diags.HasErrors():
				t.Errorf("unexpected errors: %s", diags.Error())
			case tc.want != "" && !strings.Contains(diags.Error(), tc.want):
				t.Errorf("want an error %q, got: %s", tc.want, diags.Error())
			}
		})
	}
}
