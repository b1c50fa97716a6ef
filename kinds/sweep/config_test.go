package sweep

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/sweep/search"
	"github.com/mltf/mltf/lang/schema"
)

// trainingSchema is a training kind's schema in small: what Schema takes
// from it is its configurable attributes and blocks.
var trainingSchema = &schema.Block{
	Attributes: map[string]*schema.Attribute{
		"pool":       {Type: cty.DynamicPseudoType, Required: true},
		"experiment": {Type: cty.DynamicPseudoType, Optional: true},
		"code":       {Type: cty.String, Required: true},
		"command":    {Type: cty.List(cty.String), Required: true},
		"params":     {Type: cty.DynamicPseudoType, Optional: true},
		"run_id":     {Type: cty.String, Computed: true},
	},
	Blocks: map[string]*schema.NestedBlock{
		"retry": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
			"user_error": {Type: cty.Number, Optional: true},
		}}},
	},
}

const sketch = `
pool       = "cpu"
experiment = "digits"
trial {
  code    = "./src"
  command = ["python3", "train.py"]
  params  = { epochs = 20 }
}
param "lr"     { log_uniform = [1e-4, 0.3] }
param "hidden" { values = [32, 64, 128] }
param "layers" { int = [1, 4] }
param "drop"   {
  uniform = [0, 0.5]
  step    = 0.05
}
objective {
  metric = "accuracy"
  goal   = "maximize"
  target = 0.99
}
sampler    = "tpe"
seed       = 7
trials     = 50
parallel   = 2
max_failed = 5
early_stopping {
  rule             = "asha"
  min_step         = 1
  reduction_factor = 3
}
`

func decodeHCL(t *testing.T, src string) (*Config, []string) {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "sweep.mltf.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := hcldec.Decode(f.Body, Schema(trainingSchema).DecoderSpec(), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c, pd := Decode(v)
	var msgs []string
	for _, d := range pd {
		msgs = append(msgs, pathName(d.Attribute)+": "+d.Detail)
	}
	return c, msgs
}

func TestDecodeTheSketch(t *testing.T) {
	c, errs := decodeHCL(t, sketch)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	target := 0.99
	want := Settings{
		Space: search.Space{
			{Name: "drop", Dist: search.Uniform, Low: 0, High: 0.5, Step: 0.05},
			{Name: "hidden", Dist: search.Values, Choices: 3},
			{Name: "layers", Dist: search.Int, Low: 1, High: 4},
			{Name: "lr", Dist: search.LogUniform, Low: 1e-4, High: 0.3},
		},
		Metric: "accuracy", Goal: search.Maximize, Target: &target, Sampler: "tpe", Seed: 7,
		Trials: 50, Parallel: 2, MaxFailed: 5, Rule: "asha", MinStep: 1, ReductionFactor: 3,
	}
	if diff := cmp.Diff(want, c.Settings); diff != "" {
		t.Fatalf("settings (-want +got):\n%s", diff)
	}
	if got := c.Describe(); got != "50 trials (tpe, seed 7), 2 at a time, asha, until accuracy reaches 0.99" {
		t.Fatalf("Describe: %q", got)
	}
	tc, err := c.TrialConfig(trainingSchema.ImpliedType(), []float64{0.15, 2, 3, 0.01})
	if err != nil {
		t.Fatal(err)
	}
	params := tc.GetAttr("params")
	if got := paramJSON(params); got != `{"drop":0.15,"epochs":20,"hidden":128,"layers":3,"lr":0.01}` {
		t.Fatalf("trial params %s", got)
	}
	if tc.GetAttr("pool").AsString() != "cpu" || tc.GetAttr("code").AsString() != "./src" || !tc.GetAttr("run_id").IsNull() {
		t.Fatalf("trial config %#v", tc)
	}
}

func TestDecodeMistakes(t *testing.T) {
	for name, tc := range map[string]struct{ from, to, want string }{
		"two distributions": {`param "layers" { int = [1, 4] }`, `param "layers" {
  int     = [1, 4]
  uniform = [0, 1]
}`, `param."layers": param "layers" needs exactly one of uniform, log_uniform, int, values; it has 2 (uniform, int).`},
		"log zero":       {`log_uniform = [1e-4, 0.3]`, `log_uniform = [0, 0.3]`, `param."lr": parameter "lr": log_uniform needs a low bound above 0, not 0.`},
		"range of three": {`int = [1, 4]`, `int = [1, 2, 4]`, `param."layers".int: int of param "layers" is [low, high]: two numbers, not 3.`},
		"sampler":        {`sampler    = "tpe"`, `sampler    = "bayes"`, `sampler: sampler is "tpe", "random" or "grid", not "bayes".`},
		"goal":           {`goal   = "maximize"`, `goal   = "max"`, `objective.goal: goal is "maximize" or "minimize", not "max".`},
		"grid":           {`sampler    = "tpe"`, `sampler    = "grid"`, `sampler: parameter "lr": the grid sampler needs discrete parameters (values, int, or a step).`},
		"fixed and searched": {`params  = { epochs = 20 }`, `params  = { epochs = 20, lr = 0.1 }`,
			`trial.params: "lr" is in trial.params and has a param block; remove one of them.`},
		"values of objects": {`values = [32, 64, 128]`, `values = [{ a = 1 }]`, `param."hidden".values: value 1 of param "hidden" must be a number, a string or a boolean.`},
		"rule":              {`rule             = "asha"`, `rule             = "hyperband"`, `early_stopping.rule: rule is "asha" or "median", not "hyperband".`},
		"parallel":          {`parallel   = 2`, `parallel   = 0`, `parallel: parallel must be a whole number of at least 1, not 0.`},
	} {
		t.Run(name, func(t *testing.T) {
			src := strings.Replace(sketch, tc.from, tc.to, 1)
			if src == sketch {
				t.Fatalf("%q is not in the sketch", tc.from)
			}
			_, errs := decodeHCL(t, src)
			if len(errs) != 1 || errs[0] != tc.want {
				t.Fatalf("diagnostics %q, want [%q]", errs, tc.want)
			}
		})
	}
}

func TestStudyContinuesOrStartsAnew(t *testing.T) {
	base, _ := decodeHCL(t, sketch)
	spec := base.Spec("code:abc")
	if got := base.PlanReason(spec, nil, nil); got != "new sweep: 50 trials (tpe, seed 7), 2 at a time, asha, until accuracy reaches 0.99" {
		t.Fatalf("new: %q", got)
	}
	more, _ := decodeHCL(t, strings.Replace(strings.Replace(sketch, "trials     = 50", "trials     = 80", 1), "parallel   = 2", "parallel   = 4", 1))
	if more.Spec("code:abc").ID() != spec.ID() {
		t.Fatal("changing trials and parallel started a new study")
	}
	recs := make([]Record, 50)
	for i := range recs {
		recs[i] = Record{Number: i, State: "complete", Value: ptr(0.9)}
	}
	if got := more.PlanReason(more.Spec("code:abc"), &spec, recs); got != "continues study "+spec.ID()[:8]+"…: 30 more trials (50 recorded)" {
		t.Fatalf("continuation: %q", got)
	}
	if got := base.PlanReason(spec, &spec, recs); got != "" {
		t.Fatalf("nothing to do, yet %q", got)
	}
	for name, tc := range map[string]struct {
		from, to string
		extra    string
		want     string
	}{
		"range": {`log_uniform = [1e-4, 0.3]`, `log_uniform = [1e-3, 0.3]`, "code:abc",
			"param lr: log_uniform [0.0001, 0.3] -> log_uniform [0.001, 0.3]"},
		"new param": {`param "layers" { int = [1, 4] }`, `param "layers" { int = [1, 4] }
param "wd" { log_uniform = [1e-6, 1e-2] }`, "code:abc", "param wd added"},
		"sampler": {`sampler    = "tpe"`, `sampler    = "random"`, "code:abc", "sampler tpe -> random"},
		"code":    {"", "", "code:def", "the trial body changed (code, command, data, params or shape)"},
		"fixed":   {`epochs = 20`, `epochs = 30`, "code:abc", "the trial body changed (code, command, data, params or shape)"},
		"pruning": {`reduction_factor = 3`, `reduction_factor = 4`, "code:abc",
			"early_stopping asha (min_step 1, reduction_factor 3) -> asha (min_step 1, reduction_factor 4)"},
	} {
		t.Run(name, func(t *testing.T) {
			c, errs := decodeHCL(t, strings.Replace(sketch, tc.from, tc.to, 1))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got := Changes(spec, c.Spec(tc.extra))
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("changes %q, want [%q]", got, tc.want)
			}
			if r := c.PlanReason(c.Spec(tc.extra), &spec, recs); !strings.HasPrefix(r, "new study ("+tc.want+"): ") {
				t.Fatalf("plan reason %q", r)
			}
		})
	}
}
