package plan_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mltf/mltf/plan"
)

// TestSchemaVersion: instances are stored with their kind's schema version;
// one stored at an older version is upgraded (attributes the kind dropped
// are dropped) and one from a newer version is refused.
func TestSchemaVersion(t *testing.T) {
	const src = `experiment "a" { seed = 1 }`
	e := newEngine(t)
	e.apply(e.plan(src, nil, nil))
	inst := e.state.Instance("experiment.a", "")
	if inst.SchemaVersion != 2 {
		t.Fatalf("stored schema version %d, want the kind's 2", inst.SchemaVersion)
	}

	// The instance as version 1 of the kind stored it, with an attribute
	// the kind has since dropped.
	var attrs map[string]any
	if err := json.Unmarshal(inst.Attributes, &attrs); err != nil {
		t.Fatal(err)
	}
	attrs["retired"] = "x"
	inst.Attributes, _ = json.Marshal(attrs)
	inst.SchemaVersion = 1
	if cs := e.plan(src, nil, nil); cs.HasChanges() {
		t.Errorf("the upgraded instance plans changes: %v", actions(cs))
	}

	inst.SchemaVersion = 3
	cfg, opts := e.load(src, nil)
	_, diags := plan.Plan(context.Background(), cfg, e.state, e.providers(), opts)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "newer version of the kind (schema version 3; this provider has version 2)") {
		t.Errorf("an instance from a newer schema version: %v", diags)
	}
}
