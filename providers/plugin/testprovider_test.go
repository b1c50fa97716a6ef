package plugin_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/sdk"
)

// thingSchema exercises the wire: nested blocks of every nesting mode,
// collections, a dynamic attribute and computed values.
func thingSchema() *schema.Block {
	return &schema.Block{
		Attributes: map[string]*schema.Attribute{
			"name":    {Type: cty.String, Required: true},
			"mode":    {Type: cty.String, Optional: true, Description: "fault to inject: panic, exit, hang, bad, slow"},
			"payload": {Type: cty.DynamicPseudoType, Optional: true},
			"tags":    {Type: cty.Map(cty.String), Optional: true},
			"id":      {Type: cty.String, Computed: true},
			"secret":  {Type: cty.String, Optional: true, Computed: true, Sensitive: true},
		},
		Blocks: map[string]*schema.NestedBlock{
			"part": {Nesting: schema.NestingList, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"size": {Type: cty.Number, Required: true},
			}}},
			"pool": {Nesting: schema.NestingMap, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"slots": {Type: cty.Number, Required: true},
			}}},
			"options": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"flag": {Type: cty.Bool, Optional: true},
			}}},
		},
	}
}

func mode(v cty.Value) string {
	if v.IsNull() || !v.IsKnown() || !v.Type().HasAttribute("mode") {
		return ""
	}
	m := v.GetAttr("mode")
	if m.IsNull() || !m.IsKnown() {
		return ""
	}
	return m.AsString()
}

// newTestProvider is the provider the test binary serves as a plugin.
func newTestProvider() providers.Interface {
	return &faulty{Provider: &sdk.Provider{
		Schema: &schema.Block{Attributes: map[string]*schema.Attribute{
			"greeting": {Type: cty.String, Optional: true},
		}},
		Kinds: map[string]*sdk.Kind{
			"trivial": {
				Schema: &schema.Block{Attributes: map[string]*schema.Attribute{
					"name": {Type: cty.String, Required: true},
					"id":   {Type: cty.String, Computed: true},
				}},
				Create: func(_ context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
					return sdk.SetAttrs(c.Planned, map[string]cty.Value{"id": cty.StringVal("1")}), nil
				},
			},
			"thing": {
				Schema: thingSchema(),
				Update: func(_ context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) { return c.Planned, nil },
				Create: func(ctx context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
					v := sdk.SetAttrs(c.Planned, map[string]cty.Value{"id": cty.StringVal("id-" + c.Planned.GetAttr("name").AsString())})
					if c.Planned.GetAttr("secret").IsKnown() == false {
						v = sdk.SetAttrs(v, map[string]cty.Value{"secret": cty.StringVal("s3cret")})
					}
					msg := "creating"
					for _, p := range c.Sensitive {
						msg += " sensitive:" + schema.FormatPath(p)
					}
					c.Log("test", msg)
					c.Checkpoint(v)
					if mode(c.Planned) == "slow" {
						for i := int64(0); ; i++ {
							c.Progress(providers.Progress{Message: "working", Step: i})
							select {
							case <-ctx.Done():
								return v, providers.Diagnostics(nil).Errorf("Cancelled", "the thing was cancelled at step %d", i)
							case <-time.After(20 * time.Millisecond):
							}
						}
					}
					c.Metric("loss", 1, 0.5)
					return v, nil
				},
				Import: func(_ context.Context, r *sdk.Import) (cty.Value, providers.Diagnostics) {
					return cty.NullVal(thingSchema().ImpliedType()), nil
				},
			},
		},
	}}
}

// faulty injects faults into PlanChange according to the "mode"
// attribute of the configuration.
type faulty struct {
	*sdk.Provider
}

func (f *faulty) PlanChange(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	switch mode(req.Config) {
	case "panic":
		fmt.Fprintln(os.Stderr, "about to fail")
		panic("boom in PlanChange")
	case "exit":
		fmt.Fprintln(os.Stderr, "giving up: disk on fire")
		os.Exit(3)
	case "hang":
		fmt.Fprintln(os.Stderr, "waiting forever")
		select {}
	case "bad":
		return providers.PlanChangeResponse{Planned: cty.ObjectVal(map[string]cty.Value{"name": cty.True})}
	}
	r := f.Provider.PlanChange(ctx, req)
	if r.PlannedPrivate == nil && req.PriorPrivate != nil {
		// What the plan was made from shows in what it returns.
		r.PlannedPrivate = append([]byte("planned:"), req.PriorPrivate...)
	}
	return r
}

// Read changes what the current value's "mode" says: drift changes its
// tags (as if edited outside mltf), gone deletes it, readfail fails.
func (f *faulty) Read(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	switch mode(req.Current) {
	case "drift":
		return providers.ReadResponse{New: sdk.SetAttrs(req.Current, map[string]cty.Value{
			"tags": cty.MapVal(map[string]cty.Value{"team": cty.StringVal("edited")}),
		}), Private: []byte("drifted")}
	case "gone":
		return providers.ReadResponse{New: cty.NullVal(req.Current.Type())}
	case "readfail":
		return providers.ReadResponse{New: req.Current, Diagnostics: providers.Diagnostics(nil).Errorf("Cannot read the thing", "the store is down")}
	}
	r := f.Provider.Read(ctx, req)
	if req.Private != nil {
		// The refresh's private data is not the prior's.
		r.Private = append([]byte("read:"), req.Private...)
	}
	return r
}
