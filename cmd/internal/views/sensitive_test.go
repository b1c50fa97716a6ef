package views

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
)

// TestPlanHidesNestedSensitive: a sensitive value inside a map (the
// engine marks env["API_TOKEN"]) is hidden in the human plan and marked
// at its path in the JSON plan.
func TestPlanHidesNestedSensitive(t *testing.T) {
	after := cty.ObjectVal(map[string]cty.Value{
		"env": cty.MapVal(map[string]cty.Value{
			"API_TOKEN": cty.StringVal("SUPERSECRET123"),
			"PLAIN":     cty.StringVal("visible"),
		}),
		"command": cty.ListVal([]cty.Value{cty.StringVal("python3"), cty.StringVal("SUPERSECRET123")}),
	})
	c := &plan.Change{
		Addr:   lang.InstanceAddr{Resource: lang.ResourceAddr{Kind: "training", Name: "t"}},
		Action: plan.Create,
		Before: cty.NullVal(after.Type()),
		After:  after,
		Sensitive: []cty.Path{
			cty.GetAttrPath("env").Index(cty.StringVal("API_TOKEN")),
			cty.GetAttrPath("command").IndexInt(1),
		},
	}
	var b strings.Builder
	NewPlan(&b).change(c)
	out := b.String()
	if strings.Contains(out, "SUPERSECRET123") {
		t.Errorf("the plan shows the secret:\n%s", out)
	}
	for _, want := range []string{`API_TOKEN = (sensitive value)`, `PLAIN = "visible"`, `["python3", (sensitive value)]`} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %s:\n%s", want, out)
		}
	}
	got, _ := json.Marshal(sensitiveMask(c.Sensitive))
	if want := `{"command":[false,true],"env":{"API_TOKEN":true}}`; string(got) != want {
		t.Errorf("after_sensitive = %s, want %s", got, want)
	}
}
