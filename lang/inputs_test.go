package lang_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/lang"
)

// TestBadVarSaysWhatWasExpected: -var lr=abc for a number says that a
// number was expected, with an example, and points at the declaration.
func TestBadVarSaysWhatWasExpected(t *testing.T) {
	src := "variable \"lr\" {\n  type = number\n}\n\nvariable \"tags\" {\n  type = list(string)\n}\n"
	cfg, diags := lang.LoadSources(t.TempDir(), map[string][]byte{"main.mltf.hcl": []byte(src)}, lang.BuiltinKinds)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	cases := []struct {
		raw  lang.RawVar
		want string
		line int
	}{
		{lang.RawVar{Name: "lr", Raw: "abc", Source: "-var"}, `The value "abc" given by -var for variable "lr" is not a number, such as 0.05`, 1},
		{lang.RawVar{Name: "lr", Raw: "true", Source: "-var"}, "It must be a number, such as 0.05.", 1},
		{lang.RawVar{Name: "tags", Raw: "a,b", Source: "-var"}, `is not a list in HCL syntax, such as '["a", "b"]'`, 5},
	}
	for _, tc := range cases {
		t.Run(tc.raw.Raw, func(t *testing.T) {
			raws := []lang.RawVar{tc.raw, {Name: "lr", Raw: "0.1", Source: "-var"}, {Name: "tags", Raw: `["x"]`, Source: "-var"}}
			if tc.raw.Name == "lr" {
				raws = append(raws[:1], raws[2])
			} else {
				raws = raws[:2]
			}
			_, diags := lang.VariableValues(cfg, raws)
			var d *hcl.Diagnostic
			for _, x := range diags {
				if x.Severity == hcl.DiagError {
					d = x
				}
			}
			if d == nil || len(diags) != 1 {
				t.Fatalf("want one error, got %v", diags)
			}
			if !strings.Contains(d.Detail, tc.want) {
				t.Errorf("detail %q lacks %q", d.Detail, tc.want)
			}
			if d.Subject == nil || d.Subject.Start.Line != tc.line {
				t.Errorf("subject %v, want the declaration on line %d", d.Subject, tc.line)
			}
		})
	}
}
