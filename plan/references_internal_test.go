package plan

import (
	"reflect"
	"testing"

	"github.com/mltf/mltf/lang"
)

// Plain references are found for whole attributes and for the entries of a
// map written as references, which is how plans show them.
func TestPlainReferences(t *testing.T) {
	src := `
dataset "raw" { source = "raw.csv" }
experiment "e" {}
training "t" {
  experiment = experiment.e
  code       = "."
  command    = ["true"]
  data       = { train = dataset.raw, extra = "x", eval = dataset.raw.path }
}
`
	cfg, diags := lang.LoadSources(t.TempDir(), map[string][]byte{"main.mltf.hcl": []byte(src)}, lang.BuiltinKinds)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := plainReferences(cfg, cfg.Resources["training.t"])
	want := map[string]string{"experiment": "experiment.e", "data.train": "dataset.raw", "data.eval": "dataset.raw.path"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plainReferences = %v, want %v", got, want)
	}
}
