package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/runflow"
)

// The test binary doubles as the supervisor (as mltf does with
// internal-supervise) and as a killable "mltf apply" process.
const (
	supervisorEnv = "MLTF_LOCAL_TEST_SUPERVISOR"
	childEnv      = "MLTF_LOCAL_TEST_CHILD_APPLY"
)

func TestMain(m *testing.M) {
	if os.Getenv(supervisorEnv) == "1" {
		os.Exit(launcher.SupervisorMain(os.Args[1:]))
	}
	if f := os.Getenv(childEnv); f != "" {
		os.Exit(childApply(f))
	}
	os.Exit(m.Run())
}

func supervisorCommand() []string {
	exe, _ := os.Executable()
	return []string{"/usr/bin/env", supervisorEnv + "=1", exe}
}

const torchPython = "/usr/bin/python3"

// needTorch skips a test when Debian's PyTorch is missing.
func needTorch(t testing.TB) {
	t.Helper()
	if err := exec.Command(torchPython, "-c", "import torch").Run(); err != nil {
		t.Skipf("needs PyTorch at %s (apt-get install python3-torch): %v", torchPython, err)
	}
}

// harness is a configured provider on a working directory.
type harness struct {
	t       testing.TB
	p       *Provider
	s       providers.Settings
	tracker *memTracker
}

func newHarness(t testing.TB, workDir, runsDir string) *harness {
	t.Helper()
	h := &harness{t: t, tracker: &memTracker{}}
	h.p = NewWithOptions(Options{
		Supervisor:  supervisorCommand(),
		OpenTracker: func(context.Context, string, string) (runflow.Tracker, error) { return h.tracker, nil },
	})
	h.s = providers.Settings{WorkDir: workDir, Workspace: "default", TrackingURL: "mem://", RunsDir: runsDir,
		ArtifactsURL: "file://" + filepath.Join(filepath.Dir(runsDir), "artifacts")}
	if r := h.p.Configure(context.Background(), providers.ConfigureRequest{Settings: h.s}); r.Diagnostics.HasErrors() {
		t.Fatalf("Configure: %v", r.Diagnostics)
	}
	t.Cleanup(func() { h.p.Close() })
	return h
}

// pool creates cluster "dev" with one pool and returns the pool's value.
func (h *harness) pool(name string, slots int) cty.Value {
	h.t.Helper()
	cfg := conform(cty.ObjectVal(map[string]cty.Value{
		"pool": cty.MapVal(map[string]cty.Value{name: conform(cty.ObjectVal(map[string]cty.Value{
			"slots": cty.NumberIntVal(int64(slots)), "gpus": cty.NullVal(cty.Number),
		}), clusterSchema().Blocks["pool"].Block.ImpliedType())}),
	}), clusterSchema().ImpliedType())
	ctx := context.Background()
	pr := h.p.PlanChange(ctx, providers.PlanChangeRequest{Kind: "cluster", Address: "cluster.dev", Prior: cty.NullVal(cfg.Type()), Config: cfg, Proposed: cfg})
	if pr.Diagnostics.HasErrors() {
		h.t.Fatal(pr.Diagnostics)
	}
	ar := h.p.ApplyChange(ctx, providers.ApplyChangeRequest{Kind: "cluster", Address: "cluster.dev", Prior: cty.NullVal(cfg.Type()), Planned: pr.Planned, Config: cfg})
	if ar.Diagnostics.HasErrors() {
		h.t.Fatal(ar.Diagnostics)
	}
	return ar.New.GetAttr("pool").Index(cty.StringVal(name))
}

// config decodes a testdata file as a training body with var set.
func config(t testing.TB, file string, vars map[string]cty.Value) cty.Value {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCLFile(filepath.Join("testdata", file))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ectx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}
	v, diags := hcldec.Decode(f.Body, trainingSchema().DecoderSpec(), ectx)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return conform(v, trainingSchema().ImpliedType())
}

// conform adds the attributes of ty that v lacks, as nulls, as the engine
// does with computed attributes.
func conform(v cty.Value, ty cty.Type) cty.Value {
	m := v.AsValueMap()
	if m == nil {
		m = map[string]cty.Value{}
	}
	for name, at := range ty.AttributeTypes() {
		if _, ok := m[name]; !ok {
			m[name] = cty.NullVal(at)
		}
	}
	return cty.ObjectVal(m)
}

// instance is a training's state between calls, as the engine keeps it.
type instance struct {
	Value   cty.Value
	Private []byte
}

func null() instance { return instance{Value: cty.NullVal(trainingSchema().ImpliedType())} }

func (h *harness) plan(prior instance, cfg cty.Value) providers.PlanChangeResponse {
	h.t.Helper()
	return h.p.PlanChange(context.Background(), providers.PlanChangeRequest{Kind: "training", Address: "training.mlp",
		Prior: prior.Value, PriorPrivate: prior.Private, Config: cfg, Proposed: cfg})
}

// events records an apply's events.
type events struct {
	mu  sync.Mutex
	all []providers.Event
	on  func(providers.Event)
}

func (e *events) add(ev providers.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	on := e.on
	e.mu.Unlock()
	if on != nil {
		on(ev)
	}
}

func (e *events) of(t providers.EventType) []providers.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []providers.Event
	for _, ev := range e.all {
		if ev.Type == t {
			out = append(out, ev)
		}
	}
	return out
}

func (h *harness) apply(ctx context.Context, prior instance, pr providers.PlanChangeResponse, cfg cty.Value, ev *events) providers.ApplyChangeResponse {
	h.t.Helper()
	return h.p.ApplyChange(ctx, providers.ApplyChangeRequest{Kind: "training", Address: "training.mlp",
		Prior: prior.Value, PriorPrivate: prior.Private, Planned: pr.Planned, PlannedPrivate: pr.PlannedPrivate,
		Config: cfg, Events: ev.add})
}

// planApply plans and applies, failing the test on plan errors.
func (h *harness) planApply(ctx context.Context, prior instance, cfg cty.Value, ev *events) (providers.PlanChangeResponse, providers.ApplyChangeResponse) {
	h.t.Helper()
	pr := h.plan(prior, cfg)
	if pr.Diagnostics.HasErrors() {
		h.t.Fatalf("plan: %v", pr.Diagnostics)
	}
	return pr, h.apply(ctx, prior, pr, cfg, ev)
}

func str(v cty.Value, attr string) string {
	x := v.GetAttr(attr)
	if x.IsNull() || !x.IsKnown() {
		return ""
	}
	return x.AsString()
}

func num(v cty.Value, attr, key string) float64 {
	m := v.GetAttr(attr)
	if m.IsNull() || !m.IsKnown() || !m.HasIndex(cty.StringVal(key)).True() {
		return -1
	}
	f, _ := m.Index(cty.StringVal(key)).AsBigFloat().Float64()
	return f
}

// memTracker is an in-memory tracking store.
type memTracker struct {
	mu      sync.Mutex
	runs    map[string]runflow.RunRecord
	points  []runflow.MetricRecord
	created int
}

func (m *memTracker) CreateRun(_ context.Context, r runflow.RunRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runs == nil {
		m.runs = map[string]runflow.RunRecord{}
	}
	m.runs[r.ID] = r
	m.created++
	return nil
}

func (m *memTracker) UpdateRun(ctx context.Context, r runflow.RunRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runs == nil {
		m.runs = map[string]runflow.RunRecord{}
	}
	m.runs[r.ID] = r
	return nil
}

func (m *memTracker) FindRunByFingerprint(_ context.Context, fp string) (runflow.RunRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best runflow.RunRecord
	for _, r := range m.runs {
		if r.Fingerprint == fp && r.Status == training.StatusFinished && r.Finished.After(best.Finished) {
			best = r
		}
	}
	if best.ID == "" {
		return best, runflow.ErrNoRun
	}
	return best, nil
}

func (m *memTracker) LogMetrics(_ context.Context, pts []runflow.MetricRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.points = append(m.points, pts...)
	return nil
}

func (m *memTracker) Close() error { return nil }

// childApply is a whole "mltf apply" of one training in its own process,
// for tests that kill it: it writes the partial instance to file as soon
// as the run is launched, then follows the run.
func childApply(file string) int {
	var args struct{ WorkDir, RunsDir, Config string }
	b, _ := os.ReadFile(file + ".args")
	json.Unmarshal(b, &args)
	t := &childTB{}
	h := newHarness(t, args.WorkDir, args.RunsDir)
	cfg, err := ctyjson.Unmarshal([]byte(args.Config), trainingSchema().ImpliedType())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ev := &events{on: func(e providers.Event) {
		if e.Type == providers.EventPartial {
			writeInstance(file, instance{Value: e.Partial, Private: e.PartialPrivate})
		}
	}}
	h.planApply(context.Background(), null(), cfg, ev)
	return 0
}

func writeInstance(file string, in instance) error {
	v, err := ctyjson.Marshal(in.Value, trainingSchema().ImpliedType())
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"value": json.RawMessage(v), "private": in.Private})
	os.WriteFile(file+".tmp", b, 0o644)
	return os.Rename(file+".tmp", file)
}

func readInstance(file string) (instance, error) {
	var raw struct {
		Value   json.RawMessage
		Private []byte
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return instance{}, err
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return instance{}, err
	}
	v, err := ctyjson.Unmarshal(raw.Value, trainingSchema().ImpliedType())
	return instance{Value: v, Private: raw.Private}, err
}

// childTB is the testing.TB of the child process: it dies on failure.
type childTB struct{ testing.TB }

func (childTB) Helper()                   {}
func (childTB) Fatal(args ...any)         { fmt.Fprintln(os.Stderr, args...); os.Exit(3) }
func (childTB) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(3) }
func (childTB) Cleanup(func())            {}
func (childTB) TempDir() string           { d, _ := os.MkdirTemp("", "child"); return d }

func validateReq(cfg cty.Value) providers.ValidateConfigRequest {
	return providers.ValidateConfigRequest{Kind: "training", Config: cfg}
}
