package registry

import (
	"context"
	"encoding/json"
	"fmt"

	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/lang/funcs"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state/tracking"
)

// Promotion asks to point an alias of a model at a version from outside
// an apply (mltf server's stage and alias endpoints).
type Promotion struct {
	Model   string
	Alias   string
	Version int64
	Who     string
	// State is the model instance's attributes as a state stores them
	// (JSON), whose gate blocks the move must pass; nil when no
	// configuration manages the model: no gates.
	State json.RawMessage
}

// PromotionResult is what a promotion did.
type PromotionResult struct {
	// Move is the move recorded in the alias history: a refused one keeps
	// From == To. Zero when the alias already pointed at the version.
	Move tracking.AliasMove
	// Refused tells which gates refused the version, with the numbers;
	// "" when the alias moved.
	Refused string
}

// Promote moves p.Alias to p.Version through the model's gates, evaluated
// as an apply evaluates them (self.candidate is the version,
// self.current the version the alias holds), and records the move, or
// the refusal, with p.Who in the alias history. The configuration stays
// the source of truth: the next plan shows the move as drift.
func Promote(ctx context.Context, ts *tracking.Store, workDir string, p Promotion) (PromotionResult, error) {
	cfg := modelConfig{Name: p.Model}
	if len(p.State) > 0 {
		val, err := ctyjson.Unmarshal(p.State, modelSchema().ImpliedType())
		if err != nil {
			return PromotionResult{}, fmt.Errorf("the state of model %s cannot be read: %w", p.Model, err)
		}
		gates, diags := gatesOf(val, false)
		if diags.HasErrors() {
			return PromotionResult{}, fmt.Errorf("the gates of model %s in the state: %s", p.Model, diagText(diags))
		}
		cfg.Gates, cfg.HasGates = gates, len(gates) > 0
	}
	if !modelName.MatchString(p.Alias) {
		return PromotionResult{}, fmt.Errorf("%q cannot name an alias: use letters, digits, '.', '_' and '-'", p.Alias)
	}
	v, err := ts.GetModelVersion(ctx, p.Model, p.Version)
	if err != nil {
		return PromotionResult{}, err
	}
	positions, err := ts.Aliases(ctx, p.Model)
	if err != nil {
		return PromotionResult{}, err
	}
	cur := positions[p.Alias]
	if cur == p.Version {
		return PromotionResult{}, nil
	}
	prov := &Provider{store: ts, settings: providers.Settings{WorkDir: workDir}}
	cand := &candidate{Facts: factsOf(v), Registered: true}
	d := aliasDecision{Alias: p.Alias, Current: cur}
	if diags := prov.evaluate(ctx, cfg, cand, &d, funcs.Functions(workDir, false)); diags.HasErrors() {
		return PromotionResult{}, fmt.Errorf("the gates of model %s cannot be evaluated: %s", p.Model, diagText(diags))
	}
	if !d.Known {
		return PromotionResult{}, fmt.Errorf("a gate of model %s depends on values unknown outside an apply; move the alias with mltf apply", p.Model)
	}
	m, err := ts.MoveAlias(ctx, tracking.AliasMove{Model: p.Model, Alias: p.Alias, From: cur, To: d.Target, Who: p.Who, Gates: historyGates(d, cfg)})
	if err != nil {
		return PromotionResult{}, err
	}
	out := PromotionResult{Move: m}
	if d.refused() {
		current, _ := prov.currentFacts(ctx, p.Model, cur)
		out.Refused = d.failure(cand.Facts, current)
	}
	return out, nil
}

func diagText(diags providers.Diagnostics) string {
	var s string
	for _, d := range diags {
		if d.Severity != providers.Error {
			continue
		}
		if s != "" {
			s += "; "
		}
		s += d.Summary
		if d.Detail != "" {
			s += ": " + d.Detail
		}
	}
	return s
}
