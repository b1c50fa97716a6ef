package registry_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state/tracking"
)

const (
	productionBar = `self.candidate.metrics.accuracy >= 0.9 && (self.current == null || self.candidate.metrics.accuracy >= self.current.metrics.accuracy - 0.01)`
	barMessage    = `"accuracy below the production bar"`
)

// TestModelGates walks a model through versions whose gates hold or fail,
// a pin (rollback), an unpin and a second alias, applying each step as
// the engine would.
func TestModelGates(t *testing.T) {
	h := newModelHarness(t)
	gates := [][2]string{{productionBar, barMessage}}
	var from cty.Value
	steps := []struct {
		name        string
		train       float64 // accuracy of a new run; 0: the same run as before
		aliases     []string
		pin         int
		wantLatest  int64
		wantAt      map[string]int64
		wantReasons []string // substrings, in order
		wantWarning []string // substrings; none when empty
		noChange    bool
	}{
		{name: "first version passes", train: 0.95, aliases: []string{"production"}, wantLatest: 1,
			wantAt:      map[string]int64{"production": 1},
			wantReasons: []string{"new version from training.mlp run", "alias production (unset) -> new version if its gates still hold at apply (they hold now)"}},
		{name: "same run changes nothing", aliases: []string{"production"}, wantLatest: 1,
			wantAt: map[string]int64{"production": 1}, noChange: true},
		{name: "better version moves the alias", train: 0.97, aliases: []string{"production"}, wantLatest: 2,
			wantAt: map[string]int64{"production": 2}},
		{name: "worse version is registered without the alias", train: 0.80, aliases: []string{"production"}, wantLatest: 3,
			wantAt:      map[string]int64{"production": 2},
			wantReasons: []string{"new version", "alias production stays at 2 unless its gates hold at apply: gate 0: accuracy below the production bar"},
			wantWarning: []string{"Alias production stays at 2: version 3 did not pass its gates", "accuracy below the production bar",
				"self.candidate.metrics.accuracy = 0.8", "self.current.metrics.accuracy = 0.97", "candidate: version 3", "current:   version 2"}},
		{name: "a refused version is not evaluated again", aliases: []string{"production"}, wantLatest: 3,
			wantAt: map[string]int64{"production": 2}, noChange: true},
		{name: "pin rolls back", aliases: []string{"production"}, pin: 1, wantLatest: 3,
			wantAt: map[string]int64{"production": 1}, wantReasons: []string{"alias production 2 -> 1 (pinned)"}},
		{name: "unpinning leaves the alias", aliases: []string{"production"}, wantLatest: 3,
			wantAt: map[string]int64{"production": 1}},
		{name: "a new alias is gated", aliases: []string{"production", "staging"}, wantLatest: 3,
			wantAt:      map[string]int64{"production": 1},
			wantReasons: []string{"alias staging stays unset: version 3 refused by gate 0"},
			wantWarning: []string{"Alias staging stays unset", "current:   none"}},
		{name: "a good version moves both", train: 0.99, aliases: []string{"production", "staging"}, wantLatest: 4,
			wantAt: map[string]int64{"production": 4, "staging": 4}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.train != 0 {
				from = h.train(s.train)
			}
			cfg := h.config(modelConfig{from: from, aliases: s.aliases, pin: s.pin, gates: gates})
			if s.noChange {
				pr := h.plan(cfg)
				requireNone(t, "PlanChange", pr.Diagnostics)
				if !pr.Planned.RawEquals(h.value) || len(pr.Reasons) > 0 {
					t.Fatalf("planning the applied configuration again is not \"no changes\":\nstate:   %#v\nplanned: %#v\nreasons: %v", h.value, pr.Planned, pr.Reasons)
				}
			}
			pr, diags := h.apply(cfg)
			requireNone(t, "ApplyChange", diags)
			reasons := strings.Join(pr.Reasons, "\n")
			for _, want := range s.wantReasons {
				if !strings.Contains(reasons, want) {
					t.Errorf("plan reasons lack %q:\n%s", want, reasons)
				}
			}
			w := warnings(diags)
			for _, want := range s.wantWarning {
				if !strings.Contains(w, want) {
					t.Errorf("warnings lack %q:\n%s", want, w)
				}
			}
			if len(s.wantWarning) == 0 && w != "" {
				t.Errorf("unexpected warnings:\n%s", w)
			}
			if got := intAttr(h.value, "latest_version"); got != s.wantLatest {
				t.Errorf("latest_version = %d, want %d", got, s.wantLatest)
			}
			if diff := cmp.Diff(s.wantAt, aliasesAt(h.value)); diff != "" {
				t.Errorf("aliases_at (-want +got):\n%s", diff)
			}
			reg, err := h.store.Aliases(context.Background(), "digits")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(s.wantAt, reg); diff != "" {
				t.Errorf("registry aliases (-want +got):\n%s", diff)
			}
		})
	}

	hist, err := h.store.AliasHistory(context.Background(), "digits", "production")
	if err != nil {
		t.Fatal(err)
	}
	var moves [][2]int64
	for _, m := range hist {
		moves = append(moves, [2]int64{m.From, m.To})
		if !json.Valid(m.Gates) || !strings.Contains(m.Who, "@") {
			t.Errorf("move %d: gates %s, who %q", m.Seq, m.Gates, m.Who)
		}
	}
	want := [][2]int64{{0, 1}, {1, 2}, {2, 2}, {2, 1}, {1, 4}}
	if diff := cmp.Diff(want, moves); diff != "" {
		t.Errorf("production history (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(hist[2].Gates), `"passed":false`) || !strings.Contains(string(hist[3].Gates), "pinned") {
		t.Errorf("gate results of the refusal and the pin: %s / %s", hist[2].Gates, hist[3].Gates)
	}
}

func intAttr(v cty.Value, name string) int64 {
	x := v.GetAttr(name)
	if x.IsNull() || !x.IsKnown() {
		return -1
	}
	n, _ := x.AsBigFloat().Int64()
	return n
}

// TestModelVersionFiles checks the registry location: files copied by
// content with their SHA-256 recorded, the manifest, and the lineage.
func TestModelVersionFiles(t *testing.T) {
	h := newModelHarness(t)
	from := h.train(0.95)
	_, diags := h.apply(h.config(modelConfig{from: from, aliases: []string{"production"}}))
	requireNone(t, "ApplyChange", diags)

	v, err := h.store.GetModelVersion(context.Background(), "digits", 1)
	if err != nil {
		t.Fatal(err)
	}
	loc := filepath.Join(h.dir, ".mltf", "artifacts", "models", "digits", "1")
	if want := "file://" + loc; v.ArtifactURI != want || h.value.GetAttr("uri").AsString() != want {
		t.Errorf("artifact URI %q, uri %q, want %q", v.ArtifactURI, h.value.GetAttr("uri").AsString(), want)
	}
	var paths []string
	for _, f := range v.Lineage.Files {
		paths = append(paths, f.Path)
		b, err := os.ReadFile(filepath.Join(loc, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatalf("%s not copied: %v", f.Path, err)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Size {
			t.Errorf("%s: recorded sha256 %s size %d, the copy has %x size %d", f.Path, f.SHA256, f.Size, sum, len(b))
		}
	}
	if diff := cmp.Diff([]string{"model.pt", "sub/metrics.json"}, paths); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(loc, "MANIFEST.json")); err != nil {
		t.Errorf("no manifest: %v", err)
	}
	data, _ := os.ReadFile(filepath.Join(h.dir, "digits.csv"))
	sum := sha256.Sum256(data)
	wantLineage := map[string]string{
		"run": from.GetAttr("run_id").AsString(), "address": "training.mlp", "commit": "c0ffee",
		"params": `{"epochs":20,"lr":0.05}`, "data": hex.EncodeToString(sum[:]),
	}
	gotLineage := map[string]string{
		"run": v.Lineage.RunID, "address": v.Lineage.Address, "commit": v.Lineage.GitCommit,
		"params": string(v.Lineage.Params), "data": v.Lineage.Datasets["train"].Fingerprint,
	}
	if diff := cmp.Diff(wantLineage, gotLineage); diff != "" {
		t.Errorf("lineage (-want +got):\n%s", diff)
	}
	if v.Metrics["accuracy"] != 0.95 || v.ContentHash == "" {
		t.Errorf("metrics %v, content hash %q", v.Metrics, v.ContentHash)
	}

	// A version's files never change: a different file at its location
	// is refused, not overwritten.
	os.Remove(filepath.Join(loc, "MANIFEST.json"))
	os.WriteFile(filepath.Join(loc, "model.pt"), []byte("tampered"), 0o644)
	h.value = cty.NullVal(h.ty)
	h.private = nil
	_, diags = h.apply(h.config(modelConfig{from: from, aliases: []string{"production"}}))
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "never change") {
		t.Errorf("a tampered registry file: %v", diags)
	}
}

// TestModelGateErrors: a condition that cannot be evaluated is an error
// naming the file and line, at plan time when the candidate is known.
func TestModelGateErrors(t *testing.T) {
	tests := []struct {
		name      string
		condition string
		want      []string
	}{
		{"unknown metric", `self.candidate.metrics.f1 > 0.5`, []string{"Gate condition cannot be evaluated", "main.mltf.hcl:10", "f1"}},
		{"not a boolean", `self.candidate.metrics.accuracy`, []string{"Gate condition is not a boolean", "main.mltf.hcl:10"}},
		{"syntax", `self.candidate.metrics.accuracy >=`, []string{"Invalid gate condition", "main.mltf.hcl:10"}},
		{"current without a null check", `self.candidate.metrics.accuracy > self.current.metrics.accuracy`, []string{"main.mltf.hcl:10", "null"}},
		{"unknown function", `nope(self.candidate.version)`, []string{"main.mltf.hcl:10", "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newModelHarness(t)
			pr := h.plan(h.config(modelConfig{from: h.train(0.9), aliases: []string{"production"}, gates: [][2]string{{tt.condition, ""}}}))
			if !pr.Diagnostics.HasErrors() {
				t.Fatalf("no error for %s", tt.condition)
			}
			got := pr.Diagnostics[0].Summary + "\n" + pr.Diagnostics[0].Detail
			t.Log(got)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("diagnostic lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestModelGateScope: a gate may use the values the engine hands over in
// its scope (variables here) and the functions of the language.
func TestModelGateScope(t *testing.T) {
	h := newModelHarness(t)
	scope := map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{"bar": num(0.96)})}
	cfg := h.config(modelConfig{from: h.train(0.95), aliases: []string{"production"}, scope: scope,
		gates: [][2]string{{`max(self.candidate.metrics.accuracy, 0) >= var.bar`, `"below ${var.bar}"`}}})
	_, diags := h.apply(cfg)
	requireNone(t, "ApplyChange", diags)
	if w := warnings(diags); !strings.Contains(w, "below 0.96") || !strings.Contains(w, "var.bar = 0.96") {
		t.Errorf("warning:\n%s", w)
	}
	if len(aliasesAt(h.value)) != 0 {
		t.Errorf("aliases_at %v, want none", aliasesAt(h.value))
	}
}

// TestModelPlanUnknownRun: a replaced training's run is unknown at plan
// time; the plan says a new version comes and decides nothing yet.
func TestModelPlanUnknownRun(t *testing.T) {
	h := newModelHarness(t)
	_, diags := h.apply(h.config(modelConfig{from: h.train(0.95), aliases: []string{"production"}}))
	requireNone(t, "ApplyChange", diags)
	pr := h.plan(h.config(modelConfig{from: trainingValue("", "", 0, ""), aliases: []string{"production"}}))
	requireNone(t, "PlanChange", pr.Diagnostics)
	if diff := cmp.Diff([]string{"new version from training.mlp (gates evaluated at apply)"}, pr.Reasons); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	for _, a := range []string{"latest_version", "aliases_at", "uri", "gate_results"} {
		if pr.Planned.GetAttr(a).IsKnown() {
			t.Errorf("%s is known before the run: %#v", a, pr.Planned.GetAttr(a))
		}
	}
	// A pin is known at plan time even so.
	pr = h.plan(h.config(modelConfig{from: trainingValue("", "", 0, ""), aliases: []string{"production"}, pin: 1}))
	requireNone(t, "PlanChange", pr.Diagnostics)
	if got := aliasesAt(pr.Planned); got["production"] != 1 {
		t.Errorf("pinned aliases_at %v", got)
	}
}

// TestModelDriftAndDestroy: an alias moved outside mltf shows in Read and
// is moved back; destroy removes the aliases and keeps the versions.
func TestModelDriftAndDestroy(t *testing.T) {
	h := newModelHarness(t)
	ctx := context.Background()
	_, diags := h.apply(h.config(modelConfig{from: h.train(0.9), aliases: []string{"production"}}))
	requireNone(t, "ApplyChange", diags)
	from := h.train(0.95)
	cfg := h.config(modelConfig{from: from, aliases: []string{"production"}})
	_, diags = h.apply(cfg)
	requireNone(t, "ApplyChange", diags)

	moved, err := h.store.MoveAlias(ctx, tracking.AliasMove{Model: "digits", Alias: "production", From: 2, To: 1, Who: "someone@else"})
	if err != nil {
		t.Fatal(err)
	}
	r := h.refresh()
	if got := aliasesAt(r.New); got["production"] != 1 {
		t.Fatalf("Read does not reflect the registry: %v", got)
	}
	pr, diags := h.apply(cfg)
	requireNone(t, "ApplyChange", diags)
	want := "alias production 1 -> 2 (moved outside mltf by someone@else at " + moved.When.UTC().Format("2006-01-02 15:04:05 UTC") + ")"
	if diff := cmp.Diff([]string{want}, pr.Reasons); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	if got := aliasesAt(h.value); got["production"] != 2 {
		t.Errorf("aliases_at after apply: %v", got)
	}

	pd := h.p.PlanChange(ctx, providers.PlanChangeRequest{Kind: "model", Address: "model.digits", Prior: h.value, PriorPrivate: h.private,
		Config: cty.NullVal(h.ty), Proposed: cty.NullVal(h.ty)})
	requireNone(t, "PlanChange (destroy)", pd.Diagnostics)
	ar := h.p.ApplyChange(ctx, providers.ApplyChangeRequest{Kind: "model", Address: "model.digits", Prior: h.value, PriorPrivate: h.private,
		Planned: pd.Planned, Config: cty.NullVal(h.ty)})
	requireNone(t, "ApplyChange (destroy)", ar.Diagnostics)
	if !ar.New.IsNull() {
		t.Fatalf("destroy left %#v", ar.New)
	}
	if a, _ := h.store.Aliases(ctx, "digits"); len(a) != 0 {
		t.Errorf("aliases after destroy: %v", a)
	}
	if vs, _ := h.store.ListModelVersions(ctx, "digits"); len(vs) != 2 {
		t.Errorf("%d versions after destroy, want 2 kept", len(vs))
	}
}

// TestModelConfigErrors: mistakes in the configuration are diagnostics.
func TestModelConfigErrors(t *testing.T) {
	h := newModelHarness(t)
	from := h.train(0.9)
	tests := []struct {
		name string
		cfg  cty.Value
		want string
	}{
		{"from is not a training", h.config(modelConfig{from: cty.StringVal("training.mlp")}), "from must be a training resource"},
		{"pin without aliases", h.config(modelConfig{from: from, pin: 1}), "pins the model's aliases, but it has none"},
		{"duplicate alias", h.config(modelConfig{from: from, aliases: []string{"a", "a"}}), `Alias "a" is listed twice`},
		{"pin to a missing version", h.config(modelConfig{from: from, aliases: []string{"a"}, pin: 7}), "does not have"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vr := h.p.ValidateConfig(context.Background(), providers.ValidateConfigRequest{Kind: "model", Config: tt.cfg})
			diags := vr.Diagnostics
			if !diags.HasErrors() {
				diags = h.plan(tt.cfg).Diagnostics
			}
			if !diags.HasErrors() || !strings.Contains(diags[0].Detail, tt.want) {
				t.Errorf("got %v, want an error with %q", diags, tt.want)
			}
		})
	}
}

// TestModelGateNotHandedOver: mltf validate decodes gates without
// handing them over, which is fine; at plan a gate that is not an
// expression is an error, never a gate skipped.
func TestModelGateNotHandedOver(t *testing.T) {
	h := newModelHarness(t)
	cfg := h.config(modelConfig{from: h.train(0.9), aliases: []string{"production"}}).AsValueMap()
	cfg["gate"] = cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{
		"condition": cty.UnknownVal(cty.Bool), "message": cty.StringVal("too low"),
	})})
	v := cty.ObjectVal(cfg)
	vr := h.p.ValidateConfig(context.Background(), providers.ValidateConfigRequest{Kind: "model", Config: v})
	requireNone(t, "ValidateConfig", vr.Diagnostics)
	pr := h.plan(v)
	if !pr.Diagnostics.HasErrors() || pr.Diagnostics[0].Summary != "Gate condition not handed over" {
		t.Errorf("plan of a gate that is not an expression: %v", pr.Diagnostics)
	}
}
