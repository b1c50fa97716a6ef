package training

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/zclconf/go-cty/cty"
)

func with(v cty.Value, set map[string]cty.Value) cty.Value { return ctyval.With(v, set) }

func TestDecodeErrors(t *testing.T) {
	dist := func(k string, v cty.Value) map[string]cty.Value {
		return map[string]cty.Value{"distributed": cty.ObjectVal(map[string]cty.Value{k: v})}
	}
	tests := []struct {
		name  string
		rules Rules
		set   map[string]cty.Value
		want  []string // "attribute: summary"
	}{
		{"valid", Rules{}, nil, nil},
		{"empty command", Rules{}, map[string]cty.Value{"command": cty.ListValEmpty(cty.String)}, []string{"command: Empty command"}},
		{"bad env name", Rules{}, map[string]cty.Value{"env": cty.MapVal(map[string]cty.Value{"1X": cty.StringVal("")})}, []string{`env["1X"]: Invalid environment variable name`}},
		{"params not an object", Rules{}, map[string]cty.Value{"params": cty.StringVal("lr")}, []string{"params: Invalid params"}},
		{"bad duration", Rules{}, map[string]cty.Value{"hang_timeout": cty.StringVal("soon")}, []string{"hang_timeout: Invalid duration"}},
		{"bad backend", Rules{}, dist("backend", cty.StringVal("mpi")), []string{"distributed.backend: Invalid backend"}},
		{"fractional procs", Rules{}, dist("procs_per_node", cty.NumberFloatVal(1.5)), []string{"distributed.procs_per_node: Invalid distributed.procs_per_node"}},
		{"port 0 picks a free port", Rules{}, dist("master_port", cty.NumberIntVal(0)), nil},
		{"port 0 with a default port", Rules{MasterPort: 29500}, dist("master_port", cty.NumberIntVal(0)), []string{"distributed.master_port: Invalid distributed.master_port"}},
		{"port too large", Rules{}, dist("master_port", cty.NumberIntVal(70000)), []string{"distributed.master_port: Invalid master_port"}},
		{"not nccl", Rules{}, dist("nccl", cty.MapVal(map[string]cty.Value{"FOO": cty.StringVal("1")})), []string{`distributed.nccl["FOO"]: Not an NCCL setting`}},
		{"secret_env", Rules{}, map[string]cty.Value{"secret_env": cty.MapVal(map[string]cty.Value{"A": cty.StringVal("env:TOKEN"), "B": cty.StringVal("file:tok"), "C": cty.StringVal("secret:s/k")})}, nil},
		{"bad secret reference", Rules{}, map[string]cty.Value{"secret_env": cty.MapVal(map[string]cty.Value{"A": cty.StringVal("hunter2")})}, []string{`secret_env["A"]: Invalid secret reference`}},
		{"secret without key", Rules{}, map[string]cty.Value{"secret_env": cty.MapVal(map[string]cty.Value{"A": cty.StringVal("secret:s")})}, []string{`secret_env["A"]: Invalid secret reference`}},
		{"secret_env and env", Rules{}, map[string]cty.Value{
			"env":        cty.MapVal(map[string]cty.Value{"A": cty.StringVal("x")}),
			"secret_env": cty.MapVal(map[string]cty.Value{"A": cty.StringVal("env:A")}),
		}, []string{`secret_env["A"]: Variable set twice`}},
		{"bad data name", Rules{}, map[string]cty.Value{"data": cty.ObjectVal(map[string]cty.Value{"a b": cty.StringVal("x")})}, []string{`data["a b"]: Invalid data name`}},
		{"dataset without location", Rules{Locations: []string{"path"}}, map[string]cty.Value{"data": cty.ObjectVal(map[string]cty.Value{"t": cty.ObjectVal(map[string]cty.Value{"fingerprint": cty.StringVal("f")})})}, []string{`data["t"]: Data set without a location`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &ctyval.Decoder{V: with(fixedConfig(), tc.set)}
			Decode(d, tc.rules)
			var got []string
			for _, x := range d.Diags {
				got = append(got, schema.FormatPath(x.Attribute)+": "+x.Summary)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("diagnostics (-want +got):\n%s", d)
			}
		})
	}
}

func TestDecodeUnknown(t *testing.T) {
	d := &ctyval.Decoder{V: with(fixedConfig(), map[string]cty.Value{
		"params": cty.UnknownVal(cty.DynamicPseudoType),
		"data":   cty.ObjectVal(map[string]cty.Value{"train": cty.UnknownVal(cty.String)}),
	})}
	c := Decode(d, Rules{})
	c.Finish(d)
	if d := cmp.Diff([]string{"data.train", "params"}, c.Unknown); d != "" {
		t.Errorf("unknown (-want +got):\n%s", d)
	}
	p, err := PlanInputs(c, "gloo", "testdata", false)
	if err != nil || p.Inputs != nil {
		t.Errorf("PlanInputs with unknown inputs = %v, %v; want no inputs", p.Inputs, err)
	}
}
