package registry_test

import (
	"context"
	"strings"
	"testing"

	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/providers/registry"
)

// TestPromote moves an alias from outside an apply through the gates the
// model's state holds: a version below the bar is refused and the refusal
// recorded, one above moves the alias, both with who asked.
func TestPromote(t *testing.T) {
	h := newModelHarness(t)
	ctx := context.Background()
	gates := [][2]string{{"self.candidate.metrics.accuracy >= 0.9", `"accuracy below the production bar"`}}
	_, diags := h.apply(h.config(modelConfig{from: h.train(0.95), aliases: []string{"production"}, gates: gates}))
	requireNone(t, "ApplyChange", diags)
	_, _ = h.apply(h.config(modelConfig{from: h.train(0.5), aliases: []string{"production"}, gates: gates})) // refused: stays at 1
	_, diags = h.apply(h.config(modelConfig{from: h.train(0.97), aliases: []string{"production"}, gates: gates}))
	requireNone(t, "ApplyChange", diags)
	state, err := ctyjson.Marshal(h.value, h.ty)
	if err != nil {
		t.Fatal(err)
	}

	res, err := registry.Promote(ctx, h.store, t.TempDir(), registry.Promotion{Model: "digits", Alias: "production", Version: 2, Who: "ci via mltf server", State: state})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Refused, "accuracy below the production bar") || res.Move.From != 3 || res.Move.To != 3 {
		t.Errorf("version 2 (accuracy 0.5): refused = %q, move %d -> %d; want refused by the gate, alias kept at 3", res.Refused, res.Move.From, res.Move.To)
	}
	res, err = registry.Promote(ctx, h.store, t.TempDir(), registry.Promotion{Model: "digits", Alias: "production", Version: 1, Who: "ci via mltf server", State: state})
	if err != nil {
		t.Fatal(err)
	}
	if res.Refused != "" || res.Move.To != 1 {
		t.Errorf("version 1 (accuracy 0.95): refused = %q, moved to %d; want moved to 1", res.Refused, res.Move.To)
	}
	hist, err := h.store.AliasHistory(ctx, "digits", "production")
	if err != nil {
		t.Fatal(err)
	}
	last := hist[len(hist)-1]
	if last.Who != "ci via mltf server" || !strings.Contains(string(last.Gates), `"passed":true`) {
		t.Errorf("last history entry: who %q, gates %s", last.Who, last.Gates)
	}
	// Without a state (a model no configuration manages) there are no
	// gates; an unknown version is an error.
	if res, err := registry.Promote(ctx, h.store, "", registry.Promotion{Model: "digits", Alias: "staging", Version: 2, Who: "x"}); err != nil || res.Move.To != 2 {
		t.Errorf("no gates: %+v, %v", res, err)
	}
	if _, err := registry.Promote(ctx, h.store, "", registry.Promotion{Model: "digits", Alias: "staging", Version: 9, Who: "x"}); err == nil {
		t.Error("version 9 does not exist, but Promote accepted it")
	}
}
