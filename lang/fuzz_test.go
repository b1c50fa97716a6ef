package lang_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mltf/mltf/lang"
)

// FuzzLoad checks that no configuration text panics the loader: every
// problem is a diagnostic.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../plan/testdata/invalid/*.mltf.hcl")
	seeds = append(seeds, "../examples/quickstart/main.mltf.hcl")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("variable \"x\" {\n  type = object({ a = optional(number, 1) })\n  default = {}\n}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, diags := lang.LoadSources("fuzzdir", map[string][]byte{"fuzz.mltf.hcl": src}, lang.BuiltinKinds)
		if cfg == nil {
			t.Fatal("nil configuration")
		}
		if diags.HasErrors() {
			return
		}
		raws := []lang.RawVar{{Name: "x", Raw: "[1,2]", Source: "-var"}}
		lang.VariableValues(cfg, raws)
		for _, r := range cfg.Resources {
			lang.ParseInstanceAddr(r.Addr().String(), cfg.Kinds)
		}
	})
}
