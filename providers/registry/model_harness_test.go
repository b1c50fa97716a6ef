package registry_test

import (
	"context"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/registry"
	"github.com/mltf/mltf/state/tracking"
)

// modelHarness drives the registry provider through providers.Interface
// as the engine does, over a real SQLite tracking store and a file://
// artifact store in a temporary directory.
type modelHarness struct {
	t     *testing.T
	dir   string
	p     providers.Interface
	store *tracking.Store
	exp   tracking.Experiment
	ty    cty.Type
	runs  int

	// state of model.digits
	value   cty.Value
	private []byte
}

func newModelHarness(t *testing.T) *modelHarness {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	p := registry.New()
	t.Cleanup(func() { p.Close() })
	resp := p.Configure(ctx, providers.ConfigureRequest{Config: cty.NullVal(cty.EmptyObject), Settings: providers.Settings{
		WorkDir: dir, Workspace: "default", TrackingURL: "sqlite://.mltf/tracking.db", ArtifactsURL: "file://.mltf/artifacts",
	}})
	requireNone(t, "Configure", resp.Diagnostics)
	store, err := tracking.Open(ctx, "sqlite://.mltf/tracking.db", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	exp, err := store.CreateExperiment(ctx, tracking.Experiment{Name: "digits"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "digits.csv"), []byte("a,label\n1,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ty := p.GetSchema(ctx).Kinds["model"].Block.ImpliedType()
	return &modelHarness{t: t, dir: dir, p: p, store: store, exp: exp, ty: ty, value: cty.NullVal(ty)}
}

// train records a finished run with the metrics and an artifact, as the
// local provider does, and returns the training's value.
func (h *modelHarness) train(accuracy float64) cty.Value {
	h.t.Helper()
	h.runs++
	id := tracking.NewID()
	art := filepath.Join(h.dir, ".mltf", "artifacts", "runs", id)
	if err := os.MkdirAll(filepath.Join(art, "sub"), 0o755); err != nil {
		h.t.Fatal(err)
	}
	os.WriteFile(filepath.Join(art, "model.pt"), []byte("weights of run "+id), 0o644)
	os.WriteFile(filepath.Join(art, "sub", "metrics.json"), []byte(`{"accuracy":1}`), 0o644)
	uri := "file://" + art
	r := tracking.Run{
		ID: id, ExperimentID: h.exp.ID, Status: tracking.StatusFinished, Fingerprint: "fp" + id[:4],
		GitCommit: "c0ffee", Params: json.RawMessage(`{"epochs":20,"lr":0.05}`), ArtifactURI: uri,
		Metrics: map[string]float64{"accuracy": accuracy, "loss": 1 - accuracy},
		Started: time.Now(), Finished: time.Now(), Address: "training.mlp", Workspace: "default",
	}
	if err := h.store.CreateRun(context.Background(), r); err != nil {
		h.t.Fatal(err)
	}
	return trainingValue(id, "finished", accuracy, uri)
}

func num(f float64) cty.Value { return cty.NumberVal(new(big.Float).SetFloat64(f)) }

func trainingValue(runID, status string, accuracy float64, uri string) cty.Value {
	// An empty runID is a training being replaced: its outputs are
	// unknown. An empty uri of a known run is null.
	str := func(s string) cty.Value {
		switch {
		case runID == "":
			return cty.UnknownVal(cty.String)
		case s == "":
			return cty.NullVal(cty.String)
		}
		return cty.StringVal(s)
	}
	metrics := cty.UnknownVal(cty.Map(cty.Number))
	if runID != "" {
		metrics = cty.MapVal(map[string]cty.Value{"accuracy": num(accuracy), "loss": num(1 - accuracy)})
	}
	return cty.ObjectVal(map[string]cty.Value{
		"run_id":       str(runID),
		"status":       str(status),
		"fingerprint":  cty.StringVal("fp"),
		"metrics":      metrics,
		"artifact_uri": str(uri),
		"params":       cty.ObjectVal(map[string]cty.Value{"lr": num(0.05), "epochs": num(20)}),
		"data":         cty.ObjectVal(map[string]cty.Value{"train": cty.StringVal("digits.csv")}),
	})
}

// modelConfig is a model's configuration as the engine hands it over.
type modelConfig struct {
	from    cty.Value
	aliases []string
	pin     int
	gates   [][2]string // condition, message sources
	scope   map[string]cty.Value
}

func (h *modelHarness) config(c modelConfig) cty.Value {
	vals := map[string]cty.Value{}
	for name := range h.ty.AttributeTypes() {
		vals[name] = cty.NullVal(h.ty.AttributeType(name))
	}
	vals["from"] = c.from
	if c.aliases != nil {
		var as []cty.Value
		for _, a := range c.aliases {
			as = append(as, cty.StringVal(a))
		}
		vals["aliases"] = cty.ListVal(as)
	}
	if c.pin != 0 {
		vals["version"] = cty.NumberIntVal(int64(c.pin))
	}
	var gates []cty.Value
	for i, g := range c.gates {
		gv := map[string]cty.Value{"condition": schema.ExpressionValue(g[0], "main.mltf.hcl", 10+4*i, 17, c.scope)}
		if g[1] != "" {
			gv["message"] = schema.ExpressionValue(g[1], "main.mltf.hcl", 11+4*i, 17, c.scope)
		} else {
			gv["message"] = cty.NullVal(cty.DynamicPseudoType)
		}
		gates = append(gates, cty.ObjectVal(gv))
	}
	vals["gate"] = cty.EmptyTupleVal
	if len(gates) > 0 {
		vals["gate"] = cty.TupleVal(gates)
	}
	return cty.ObjectVal(vals)
}

// proposed merges prior computed values into config, as the engine does.
func (h *modelHarness) proposed(config cty.Value) cty.Value {
	if h.value.IsNull() {
		return config
	}
	vals := config.AsValueMap()
	for _, name := range []string{"name", "latest_version", "aliases_at", "uri", "gate_results"} {
		if vals[name].IsNull() {
			vals[name] = h.value.GetAttr(name)
		}
	}
	return cty.ObjectVal(vals)
}

// refresh reads the model as a plan does first.
func (h *modelHarness) refresh() providers.ReadResponse {
	h.t.Helper()
	if h.value.IsNull() {
		return providers.ReadResponse{New: h.value}
	}
	r := h.p.Read(context.Background(), providers.ReadRequest{Kind: "model", Address: "model.digits", Current: h.value, Private: h.private})
	requireNone(h.t, "Read", r.Diagnostics)
	return r
}

func (h *modelHarness) plan(config cty.Value) providers.PlanChangeResponse {
	h.t.Helper()
	if r := h.refresh(); !h.value.IsNull() {
		h.value, h.private = r.New, r.Private
	}
	return h.p.PlanChange(context.Background(), providers.PlanChangeRequest{
		Kind: "model", Address: "model.digits", Prior: h.value, PriorPrivate: h.private,
		Config: config, Proposed: h.proposed(config),
	})
}

// apply plans and applies config and keeps the new state; it returns the
// plan and the apply's diagnostics.
func (h *modelHarness) apply(config cty.Value) (providers.PlanChangeResponse, providers.Diagnostics) {
	h.t.Helper()
	pr := h.plan(config)
	requireNone(h.t, "PlanChange", pr.Diagnostics)
	ar := h.p.ApplyChange(context.Background(), providers.ApplyChangeRequest{
		Kind: "model", Address: "model.digits", Prior: h.value, PriorPrivate: h.private,
		Planned: pr.Planned, PlannedPrivate: pr.PlannedPrivate, Config: config,
	})
	if !ar.Diagnostics.HasErrors() {
		if !ar.New.IsWhollyKnown() {
			h.t.Fatalf("ApplyChange left unknown values: %#v", ar.New)
		}
		h.value, h.private = ar.New, ar.Private
	}
	return pr, ar.Diagnostics
}

func requireNone(t *testing.T, call string, diags providers.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == providers.Error {
			t.Fatalf("%s: %s: %s", call, d.Summary, d.Detail)
		}
	}
}

func warnings(diags providers.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity == providers.Warning {
			parts = append(parts, d.Summary+"\n"+d.Detail)
		}
	}
	return strings.Join(parts, "\n")
}

func aliasesAt(v cty.Value) map[string]int64 {
	out := map[string]int64{}
	at := v.GetAttr("aliases_at")
	if at.IsNull() || !at.IsKnown() {
		return out
	}
	for k, x := range at.AsValueMap() {
		n, _ := x.AsBigFloat().Int64()
		out[k] = n
	}
	return out
}
