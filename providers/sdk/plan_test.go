package sdk

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

func runSchema() *schema.Block {
	return &schema.Block{
		Attributes: map[string]*schema.Attribute{
			"image":  {Type: cty.String, Required: true},
			"params": {Type: cty.Map(cty.Number), Optional: true},
			"note":   {Type: cty.String, Optional: true},
			"id":     {Type: cty.String, Computed: true},
			"zone":   {Type: cty.String, Optional: true, Computed: true},
		},
	}
}

func runVal(image string, lr float64, note string, id, zone cty.Value) cty.Value {
	n := cty.NullVal(cty.String)
	if note != "" {
		n = cty.StringVal(note)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"image":  cty.StringVal(image),
		"params": cty.MapVal(map[string]cty.Value{"lr": cty.NumberFloatVal(lr)}),
		"note":   n,
		"id":     id,
		"zone":   zone,
	})
}

var (
	nullStr = cty.NullVal(cty.String)
	unkStr  = cty.UnknownVal(cty.String)
)

func TestPlanChange(t *testing.T) {
	prior := runVal("img:1", 0.05, "", cty.StringVal("r1"), cty.StringVal("z1"))
	withUpdate := &Kind{Schema: runSchema(), ReplaceOn: []cty.Path{cty.GetAttrPath("image")},
		Create: func(context.Context, *Change) (cty.Value, providers.Diagnostics) { return cty.NilVal, nil },
		Update: func(context.Context, *Change) (cty.Value, providers.Diagnostics) { return cty.NilVal, nil }}
	noUpdate := &Kind{Schema: runSchema(),
		Create: func(context.Context, *Change) (cty.Value, providers.Diagnostics) { return cty.NilVal, nil }}
	tests := []struct {
		name        string
		kind        *Kind
		prior       cty.Value
		config      cty.Value
		wantPlanned cty.Value
		wantReplace []string
		wantReasons []string
	}{
		{
			name:        "create marks computed unknown",
			kind:        withUpdate,
			prior:       cty.NullVal(runSchema().ImpliedType()),
			config:      runVal("img:1", 0.05, "", nullStr, nullStr),
			wantPlanned: runVal("img:1", 0.05, "", unkStr, unkStr),
		},
		{
			name:        "same configuration is no change",
			kind:        withUpdate,
			prior:       prior,
			config:      runVal("img:1", 0.05, "", nullStr, nullStr),
			wantPlanned: prior,
		},
		{
			name:        "update in place with reasons",
			kind:        withUpdate,
			prior:       prior,
			config:      runVal("img:1", 0.1, "hi", nullStr, nullStr),
			wantPlanned: runVal("img:1", 0.1, "hi", cty.StringVal("r1"), cty.StringVal("z1")),
			wantReasons: []string{`note set to "hi"`, `params["lr"] 0.05 -> 0.1`},
		},
		{
			name:        "a ReplaceOn path forces a new instance",
			kind:        withUpdate,
			prior:       prior,
			config:      runVal("img:2", 0.05, "", nullStr, nullStr),
			wantPlanned: runVal("img:2", 0.05, "", unkStr, unkStr),
			wantReplace: []string{"image"},
			wantReasons: []string{`image "img:1" -> "img:2"`},
		},
		{
			name:        "without Update every change replaces",
			kind:        noUpdate,
			prior:       prior,
			config:      runVal("img:1", 0.1, "", nullStr, nullStr),
			wantPlanned: runVal("img:1", 0.1, "", unkStr, unkStr),
			wantReplace: []string{`params["lr"]`},
			wantReasons: []string{`params["lr"] 0.05 -> 0.1`},
		},
		{
			name:        "destroy plans null",
			kind:        withUpdate,
			prior:       prior,
			config:      cty.NullVal(runSchema().ImpliedType()),
			wantPlanned: cty.NullVal(runSchema().ImpliedType()),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Provider{Kinds: map[string]*Kind{"run": tt.kind}}
			r := p.PlanChange(context.Background(), providers.PlanChangeRequest{Kind: "run", Address: "training.a", Prior: tt.prior, Config: tt.config})
			if r.Diagnostics.HasErrors() {
				t.Fatal(r.Diagnostics)
			}
			if !r.Planned.RawEquals(tt.wantPlanned) {
				t.Errorf("planned\n got %#v\nwant %#v", r.Planned, tt.wantPlanned)
			}
			var replace []string
			for _, p := range r.RequiresReplace {
				replace = append(replace, schema.FormatPath(p))
			}
			if diff := cmp.Diff(tt.wantReplace, replace); diff != "" {
				t.Errorf("RequiresReplace (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantReasons, r.Reasons); diff != "" {
				t.Errorf("Reasons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyChecksResults(t *testing.T) {
	tests := []struct {
		name    string
		create  func(context.Context, *Change) (cty.Value, providers.Diagnostics)
		summary string
	}{
		{"left unknown", func(_ context.Context, c *Change) (cty.Value, providers.Diagnostics) { return c.Planned, nil }, "Provider returned an incomplete value"},
		{"wrong type", func(_ context.Context, c *Change) (cty.Value, providers.Diagnostics) {
			return cty.ObjectVal(map[string]cty.Value{"image": cty.ListValEmpty(cty.String)}), nil
		}, "Provider returned an invalid value"},
		{"no state", func(context.Context, *Change) (cty.Value, providers.Diagnostics) { return cty.NilVal, nil }, "Provider returned no state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Provider{Kinds: map[string]*Kind{"run": {Schema: runSchema(), Create: tt.create}}}
			ty := runSchema().ImpliedType()
			r := p.ApplyChange(context.Background(), providers.ApplyChangeRequest{
				Kind: "run", Address: "training.a", Prior: cty.NullVal(ty),
				Planned: runVal("img", 1, "", unkStr, unkStr), Config: runVal("img", 1, "", nullStr, nullStr),
			})
			if len(r.Diagnostics) != 1 || r.Diagnostics[0].Summary != tt.summary {
				t.Fatalf("diagnostics %v, want one %q", r.Diagnostics, tt.summary)
			}
		})
	}
}

func TestStopCancelsCalls(t *testing.T) {
	started := make(chan struct{})
	p := &Provider{Kinds: map[string]*Kind{"run": {Schema: runSchema(),
		Create: func(ctx context.Context, c *Change) (cty.Value, providers.Diagnostics) {
			close(started)
			<-ctx.Done()
			return cty.NilVal, providers.Diagnostics(nil).Errorf("Cancelled", "%s", ctx.Err())
		}}}}
	ty := runSchema().ImpliedType()
	done := make(chan providers.ApplyChangeResponse)
	go func() {
		done <- p.ApplyChange(context.Background(), providers.ApplyChangeRequest{Kind: "run", Address: "training.a", Prior: cty.NullVal(ty), Planned: runVal("img", 1, "", unkStr, unkStr)})
	}()
	<-started
	if err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := <-done; !r.Diagnostics.HasErrors() {
		t.Fatal("a stopped apply returned no error")
	}
	// Calls after Stop run normally.
	if r := p.ValidateConfig(context.Background(), providers.ValidateConfigRequest{Kind: "run", Config: runVal("img", 1, "", nullStr, nullStr)}); r.Diagnostics.HasErrors() {
		t.Fatal(r.Diagnostics)
	}
}
