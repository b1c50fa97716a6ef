package data

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

var datasetType = datasetSchema().ImpliedType()

// conform fills the attributes v leaves out with nulls, recursively, and
// converts the rest to the kind's types, as the engine's decoder does.
func conform(t testing.TB, ty cty.Type, v cty.Value) cty.Value {
	t.Helper()
	if v.IsNull() {
		return cty.NullVal(ty)
	}
	switch {
	case ty.IsObjectType():
		vals := map[string]cty.Value{}
		for name, aty := range ty.AttributeTypes() {
			if v.Type().IsObjectType() && v.Type().HasAttribute(name) {
				vals[name] = conform(t, aty, v.GetAttr(name))
			} else {
				vals[name] = cty.NullVal(aty)
			}
		}
		return cty.ObjectVal(vals)
	case ty.IsMapType() && ty.ElementType().IsObjectType():
		vals := map[string]cty.Value{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			vals[k.AsString()] = conform(t, ty.ElementType(), e)
		}
		if len(vals) == 0 {
			return cty.MapValEmpty(ty.ElementType())
		}
		return cty.MapVal(vals)
	}
	out, err := convert.Convert(v, ty)
	if err != nil {
		t.Fatalf("conform %#v to %s: %v", v, ty.FriendlyName(), err)
	}
	return out
}

func cfg(t testing.TB, attrs map[string]cty.Value) cty.Value {
	return conform(t, datasetType, cty.ObjectVal(attrs))
}

func obj(attrs map[string]cty.Value) cty.Value { return cty.ObjectVal(attrs) }

func str(s string) cty.Value { return cty.StringVal(s) }

// columns is a schema block of columns given as name → attributes.
func columns(cols map[string]map[string]cty.Value) cty.Value {
	m := map[string]cty.Value{}
	for name, attrs := range cols {
		m[name] = obj(attrs)
	}
	return obj(map[string]cty.Value{"column": cty.ObjectVal(m)})
}

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func configured(t testing.TB, workDir string) *Provider {
	t.Helper()
	p := newProvider()
	t.Cleanup(func() { p.Close() })
	r := p.Configure(context.Background(), providers.ConfigureRequest{Settings: providers.Settings{WorkDir: workDir}})
	if r.Diagnostics.HasErrors() {
		t.Fatal(r.Diagnostics)
	}
	return p
}

// instance is what the engine keeps of an applied dataset.
type instance struct {
	value   cty.Value
	private []byte
}

var none = instance{value: cty.NullVal(datasetType)}

func plan(t testing.TB, p *Provider, prior instance, config cty.Value) providers.PlanChangeResponse {
	t.Helper()
	return p.PlanChange(context.Background(), providers.PlanChangeRequest{
		Kind: Kind, Address: "dataset.digits", Prior: prior.value, PriorPrivate: prior.private,
		Config: config, Proposed: config,
	})
}

func applyPlan(t testing.TB, p *Provider, prior instance, config cty.Value, pr providers.PlanChangeResponse, events func(providers.Event)) providers.ApplyChangeResponse {
	t.Helper()
	return p.ApplyChange(context.Background(), providers.ApplyChangeRequest{
		Kind: Kind, Address: "dataset.digits", Prior: prior.value, PriorPrivate: prior.private,
		Planned: pr.Planned, PlannedPrivate: pr.PlannedPrivate, Config: config, Events: events,
	})
}

// planApply plans and applies config, failing the test on errors.
func planApply(t testing.TB, p *Provider, prior instance, config cty.Value) (instance, providers.PlanChangeResponse, providers.ApplyChangeResponse) {
	t.Helper()
	pr := plan(t, p, prior, config)
	requireOK(t, "plan", pr.Diagnostics)
	ar := applyPlan(t, p, prior, config, pr, nil)
	requireOK(t, "apply", ar.Diagnostics)
	return instance{ar.New, ar.Private}, pr, ar
}

func requireOK(t testing.TB, what string, diags providers.Diagnostics) {
	t.Helper()
	if diags.HasErrors() {
		t.Fatalf("%s: %s", what, diagString(diags))
	}
}

func diagString(diags providers.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(string(d.Severity) + " " + d.Summary + " [" + schema.FormatPath(d.Attribute) + "]\n" + d.Detail + "\n")
	}
	return b.String()
}

func num(v cty.Value) float64 {
	f, _ := v.AsBigFloat().Float64()
	return f
}
