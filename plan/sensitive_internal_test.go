package plan

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
)

func TestMasker(t *testing.T) {
	v := cty.ObjectVal(map[string]cty.Value{
		"env": cty.MapVal(map[string]cty.Value{
			"API_TOKEN": cty.StringVal("SUPERSECRET123"),
			"PLAIN":     cty.StringVal("visible-value"),
		}),
		"params": cty.ObjectVal(map[string]cty.Value{"k": cty.StringVal("hunter2hunter")}),
		"short":  cty.StringVal("on"),
	})
	v = markPaths(v, []cty.Path{
		cty.GetAttrPath("env").Index(cty.StringVal("API_TOKEN")),
		cty.GetAttrPath("params"),
		cty.GetAttrPath("short"),
	})
	m := newMasker(v)
	for _, c := range []struct{ in, want string }{
		{"token SUPERSECRET123 and visible-value", "token (sensitive value) and visible-value"},
		{"k=hunter2hunter!", "k=(sensitive value)!"},
		{"turn it on", "turn it on"}, // too short to mask in free text
	} {
		if got := m.text(c.in); got != c.want {
			t.Errorf("text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	ev := m.event(providers.Event{Log: &providers.LogLine{Line: "SUPERSECRET123"}, Progress: &providers.Progress{Message: "using SUPERSECRET123"}})
	if ev.Log.Line != hidden || ev.Progress.Message != "using "+hidden {
		t.Errorf("event not masked: %+v %+v", ev.Log, ev.Progress)
	}
	ds := m.diags(hcl.Diagnostics{{Summary: "bad SUPERSECRET123", Detail: "value hunter2hunter"}})
	if ds[0].Summary != "bad "+hidden || ds[0].Detail != "value "+hidden {
		t.Errorf("diagnostic not masked: %+v", ds[0])
	}
}

func TestMarkPathsThroughUnknown(t *testing.T) {
	v := cty.ObjectVal(map[string]cty.Value{"env": cty.UnknownVal(cty.Map(cty.String))})
	got := markPaths(v, []cty.Path{cty.GetAttrPath("env").Index(cty.StringVal("K"))})
	if !got.GetAttr("env").IsMarked() {
		t.Error("a path through an unknown value must mark that value")
	}
	// obj["k"] and obj.k alike.
	o := cty.ObjectVal(map[string]cty.Value{"k": cty.StringVal("x")})
	if !markPaths(o, []cty.Path{cty.IndexPath(cty.StringVal("k"))}).GetAttr("k").IsMarked() {
		t.Error("an index step must mark an object attribute")
	}
}
