package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/runflow"
	"github.com/mltf/mltf/providers/sdk"
)

// BenchmarkNoChangePlan plans a 200-step pipeline whose inputs are 10,000
// files (200 directories of 50), each step reading its directory and the
// previous step's output, against a state where every step finished: the
// plan must say nothing runs. The target is under 2 s.
func BenchmarkNoChangePlan(b *testing.B) {
	const steps, files = 200, 50
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "step.py"), []byte("print(1)\n"), 0o644)
	stepVals := map[string]cty.Value{}
	for i := 0; i < steps; i++ {
		part := filepath.Join(dir, "data", fmt.Sprintf("part-%03d", i))
		os.MkdirAll(part, 0o755)
		for j := 0; j < files; j++ {
			os.WriteFile(filepath.Join(part, fmt.Sprintf("%03d.csv", j)), []byte(fmt.Sprintf("x,y\n%d,%d\n", i, j)), 0o644)
		}
		src := fmt.Sprintf(`{ part = "data/part-%03d" }`, i)
		if i > 0 {
			src = fmt.Sprintf(`{ part = "data/part-%03d", prev = step.s%03d.outputs["out.csv"] }`, i, i-1)
		}
		stepVals[fmt.Sprintf("s%03d", i)] = cty.ObjectVal(map[string]cty.Value{
			"code": cty.StringVal("./src"), "command": cty.ListVal([]cty.Value{cty.StringVal("python3"), cty.StringVal("step.py")}),
			"inputs":  schema.ExpressionValue(src, "main.mltf.hcl", 1, 1, nil),
			"outputs": cty.ListVal([]cty.Value{cty.StringVal("out.csv")}),
		})
	}
	config := cty.ObjectVal(map[string]cty.Value{"pool": cty.StringVal("p"), "step": cty.ObjectVal(stepVals)})
	flow := &runflow.Flow{}
	flow.Configure(context.Background(), providers.Settings{WorkDir: dir, ArtifactsURL: "file://" + filepath.Join(dir, "artifacts")})
	k := &kind{flow: flow}

	// The prior state: every step finished, with its key.
	c, d := Decode(config, k.functions())
	if d.Diags.HasErrors() {
		b.Fatal(d.Diags)
	}
	priv := Private{Steps: map[string]*Record{}}
	res := newResolver(dir, "file://"+filepath.Join(dir, "artifacts"))
	known := map[string]map[string]string{}
	for _, name := range c.Order {
		r, err := res.resolve(c.Steps[name], known)
		if err != nil || r.Key == nil {
			b.Fatal(name, err, r.Waiting)
		}
		out := map[string]string{"out.csv": fmt.Sprintf("%064d", len(known))}
		priv.Steps[name] = &Record{Key: r.Key.Sum(), Parts: *r.Key, Status: StatusFinished, RunID: "r-" + name, Outputs: out}
		known[name] = out
	}
	prior := ctyval.With(config, facts(c, priv.Steps, "file://"+filepath.Join(dir, "artifacts"), false))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := &sdk.Plan{Address: "pipeline.big", Prior: prior, PriorPrivate: priv.Encode(), Config: config}
		if diags := k.plan(context.Background(), p); diags.HasErrors() {
			b.Fatal(diags)
		}
		if len(p.Reasons) > 0 || !p.Planned.RawEquals(prior) {
			b.Fatalf("a no-change plan has reasons %q", p.Reasons)
		}
	}
}
