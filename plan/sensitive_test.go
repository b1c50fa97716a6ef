package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/plan"
)

const secretSrc = `
variable "token" {
  default   = "SUPERSECRET123"
  sensitive = true
}
locals {
  upper = { for k in ["x"] : k => upper(var.token) }
}
experiment "a" { tags = { api = var.token, other = "plain" } }
experiment "b" { name = experiment.a.tags["api"] }
experiment "c" { name = local.upper["x"] }
experiment "d" { name = "plain" }
`

// hasPath reports whether paths hold p (attribute names and keys alike).
func hasPath(paths []cty.Path, p cty.Path) bool {
	for _, s := range paths {
		if schema.PathWithin(p, s) {
			return true
		}
	}
	return false
}

// TestSensitiveMarksSurvive drives a sensitive variable through a map, a
// for expression and a function, and through a provider's planned and
// applied values, which come back unmarked.
func TestSensitiveMarksSurvive(t *testing.T) {
	e := newEngine(t)
	check := func(when string, sensitive func(addr string) []cty.Path) {
		t.Helper()
		for addr, p := range map[string]cty.Path{
			"experiment.a": cty.GetAttrPath("tags").Index(cty.StringVal("api")),
			"experiment.b": cty.GetAttrPath("name"),
			"experiment.c": cty.GetAttrPath("name"),
		} {
			if !hasPath(sensitive(addr), p) {
				t.Errorf("%s: %s: %s is not sensitive (sensitive paths %#v)", when, addr, schema.FormatPath(p), sensitive(addr))
			}
		}
		if hasPath(sensitive("experiment.a"), cty.GetAttrPath("tags").Index(cty.StringVal("other"))) {
			t.Errorf("%s: experiment.a: tags[\"other\"] is sensitive", when)
		}
		// The kind's sensitive attribute only.
		if ps := sensitive("experiment.d"); len(ps) != 1 || !ps[0].Equals(cty.GetAttrPath("secret")) {
			t.Errorf("%s: experiment.d: sensitive paths %#v, want secret", when, ps)
		}
	}
	cs := e.plan(secretSrc, nil, nil)
	check("plan", func(addr string) []cty.Path { return cs.Change(addr).Sensitive })
	e.apply(cs)
	check("state", func(addr string) []cty.Path {
		return e.state.Instance(addr, "").Sensitive
	})
	// Without changes, the values references see come from state.
	cs = e.plan(secretSrc, nil, nil)
	if cs.HasChanges() {
		t.Fatalf("second plan has changes: %v", actions(cs))
	}
	check("second plan", func(addr string) []cty.Path { return cs.Change(addr).Sensitive })
}

// TestSensitiveOutputThroughProvider: an output of a value a provider
// returned is still sensitive and must say so.
func TestSensitiveOutputThroughProvider(t *testing.T) {
	e := newEngine(t)
	src := secretSrc + "output \"tags\" {\n  value = experiment.a.tags\n}\n"
	cfg, opts := e.load(src, nil)
	_, diags := plan.Plan(context.Background(), cfg, e.state, e.providers(), opts)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "Output refers to sensitive values") {
		t.Fatalf("want an error for an output of a sensitive value, got %v", diags)
	}
	cs := e.plan(strings.Replace(src, "value = experiment.a.tags\n", "value = experiment.a.tags\n  sensitive = true\n", 1), nil, nil)
	e.apply(cs)
	if o := e.state.Outputs["tags"]; o == nil || !o.Sensitive {
		t.Fatalf("output tags in state: %+v, want sensitive", o)
	}
}

// TestSensitiveInErrors: messages of the language (a validation's
// error_message, a function's complaint) never print a sensitive value.
func TestSensitiveInErrors(t *testing.T) {
	for name, src := range map[string]string{
		"validation": `
variable "token" {
  default   = "SUPERSECRET123"
  sensitive = true
  validation {
    condition     = var.token == "x"
    error_message = "bad token ${var.token}"
  }
}`,
		"function": `
variable "token" {
  default   = "SUPERSECRET123"
  sensitive = true
}
experiment "x" { name = tonumber(var.token) }`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEngine(t)
			cfg, opts := e.load(src, nil)
			_, diags := plan.Plan(context.Background(), cfg, e.state, e.providers(), opts)
			if !diags.HasErrors() {
				t.Fatal("want an error")
			}
			if msg := diags.Error(); strings.Contains(msg, "SUPERSECRET123") || !strings.Contains(msg, "(sensitive value)") {
				t.Errorf("the error shows the secret or hides nothing: %s", msg)
			}
		})
	}
}
