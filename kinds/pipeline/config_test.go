package pipeline

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

// step is a step's configuration value with inputs written as source.
func step(inputs string, outputs ...string) cty.Value {
	outs := []cty.Value{}
	for _, o := range outputs {
		outs = append(outs, cty.StringVal(o))
	}
	in := cty.NullVal(cty.DynamicPseudoType)
	if inputs != "" {
		in = schema.ExpressionValue(inputs, "main.mltf.hcl", 7, 15, map[string]cty.Value{
			"dataset": cty.ObjectVal(map[string]cty.Value{"raw": cty.ObjectVal(map[string]cty.Value{
				"path": cty.StringVal("/data/raw.csv"), "fingerprint": cty.StringVal("f1"), "version": cty.NumberIntVal(3)})}),
		})
	}
	ol := cty.ListValEmpty(cty.String)
	if len(outs) > 0 {
		ol = cty.ListVal(outs)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"code": cty.StringVal("./src"), "command": cty.ListVal([]cty.Value{cty.StringVal("python3")}), "inputs": in, "outputs": ol,
	})
}

func pipelineValue(steps map[string]cty.Value) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"pool": cty.StringVal("p"), "step": cty.ObjectVal(steps)})
}

func TestDecodeOrderAndInputs(t *testing.T) {
	c, d := Decode(pipelineValue(map[string]cty.Value{
		"train":    step(`{ f = step.features.outputs["f.csv"], c = step.clean.outputs["c.csv"] }`),
		"features": step(`{ clean = step.clean.outputs["c.csv"] }`, "f.csv"),
		"clean":    step(`{ raw = dataset.raw }`, "c.csv"),
	}), nil)
	if d.Diags.HasErrors() {
		t.Fatal(d.Diags)
	}
	if diff := cmp.Diff([]string{"clean", "features", "train"}, c.Order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"clean", "features"}, c.Steps["train"].Deps); diff != "" {
		t.Errorf("train's deps (-want +got):\n%s", diff)
	}
	raw := c.Steps["clean"].Inputs["raw"]
	if raw.Data.Location != "/data/raw.csv" || raw.Data.Fingerprint != "f1" || raw.Version != 3 {
		t.Errorf("dataset input: %+v", raw)
	}
	if f := c.Steps["train"].Inputs["f"]; f.Step != "features" || f.File != "f.csv" {
		t.Errorf("step input: %+v", f)
	}
}

func TestDecodeMistakes(t *testing.T) {
	tests := []struct {
		name  string
		steps map[string]cty.Value
		want  string
	}{
		{"cycle", map[string]cty.Value{
			"a": step(`{ b = step.b.outputs["b.csv"] }`, "a.csv"),
			"b": step(`{ a = step.a.outputs["a.csv"] }`, "b.csv"),
		}, "the steps form a cycle: a -> b -> a"},
		{"undeclared output", map[string]cty.Value{
			"a": step(``, "a.csv"),
			"b": step(`{ a = step.a.outputs["nope.csv"] }`),
		}, "main.mltf.hcl:7,"},
		{"undeclared step", map[string]cty.Value{
			"b": step(`{ a = step.missing.outputs["a.csv"] }`),
		}, "Unsupported attribute"},
		{"own output", map[string]cty.Value{
			"a": step(`{ a = step.a.outputs["a.csv"] }`, "a.csv"),
		}, "step a reads its own output"},
		{"bad output path", map[string]cty.Value{
			"a": step(``, "../a.csv"),
		}, "relative to MLTF_OUTPUT_DIR"},
		{"not a map", map[string]cty.Value{
			"a": step(`"x"`),
		}, "inputs must map names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := Decode(pipelineValue(tt.steps), nil)
			var all []string
			for _, x := range d.Diags {
				all = append(all, x.Summary+": "+x.Detail)
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Errorf("diagnostics %q lack %q", all, tt.want)
			}
		})
	}
}

func TestKeyReasons(t *testing.T) {
	old := &Key{Code: "c1", Command: []string{"python3", "a.py"}, Params: []byte(`{"w":7}`), Env: map[string]string{}, Outputs: []string{"a.csv"},
		Inputs: map[string]string{"raw": "f1", "clean": "h1"}}
	next := *old
	next.Params = []byte(`{"w":8}`)
	next.Inputs = map[string]string{"raw": "f2", "clean": "h2"}
	got := next.Reasons(old, nil, nil, map[string]int64{"raw": 3}, map[string]int64{"raw": 4}, map[string]string{"clean": "clean"})
	want := []string{"params.w 7 -> 8", "input clean changed (clean's output h1… -> h2…)", "input raw changed (version 3 -> 4)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	if old.Sum() == next.Sum() {
		t.Error("different keys have the same sum")
	}
}
