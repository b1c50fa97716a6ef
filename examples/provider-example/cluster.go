package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/sdk"
)

func clusterSchema() *schema.Block {
	return &schema.Block{
		Description: "A pretend cluster with named pools of slots.",
		Attributes: map[string]*schema.Attribute{
			"description": {Type: cty.String, Optional: true},
			"labels":      {Type: cty.Map(cty.String), Optional: true},
			"id":          {Type: cty.String, Computed: true, Description: "The cluster's id, for import."},
			"endpoint":    {Type: cty.String, Computed: true},
			"created_at":  {Type: cty.String, Computed: true},
		},
		Blocks: map[string]*schema.NestedBlock{
			"pool": {
				Nesting:  schema.NestingMap,
				MinItems: 1,
				Block: schema.Block{
					Attributes: map[string]*schema.Attribute{
						"slots": {Type: cty.Number, Required: true},
						"gpus":  {Type: cty.Number, Optional: true},
					},
				},
			},
			"options": {
				Nesting: schema.NestingSingle,
				Block: schema.Block{
					Attributes: map[string]*schema.Attribute{
						"boot_seconds": {Type: cty.Number, Optional: true, Description: "How long the pretend cluster takes to boot."},
					},
				},
			},
		},
	}
}

func (e *example) clusterKind() *sdk.Kind {
	return &sdk.Kind{
		Schema: clusterSchema(),
		// A cluster boots once: changing its options means a new one.
		// Pools, labels and description change in place.
		ReplaceOn: []cty.Path{cty.GetAttrPath("options")},
		Validate:  validateCluster,
		Create:    e.create,
		Update:    e.update,
		Delete:    e.delete,
		Read:      e.read,
		Import:    e.importCluster,
	}
}

func validateCluster(_ context.Context, config cty.Value) providers.Diagnostics {
	var diags providers.Diagnostics
	pools := config.GetAttr("pool")
	if pools.IsNull() || !pools.IsKnown() {
		return diags
	}
	for it := pools.ElementIterator(); it.Next(); {
		name, pool := it.Element()
		slots := pool.GetAttr("slots")
		if !slots.IsKnown() || slots.IsNull() {
			continue
		}
		if n, _ := slots.AsBigFloat().Int64(); n < 1 || !slots.AsBigFloat().IsInt() {
			diags = diags.AttrError(cty.GetAttrPath("pool").Index(name).GetAttr("slots"),
				"Invalid slots", fmt.Sprintf("Pool %q has slots = %s; a pool needs a whole number of slots, at least 1.", name.AsString(), slots.AsBigFloat().Text('g', -1)))
		}
	}
	return diags
}

func (e *example) create(ctx context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
	st, diags := e.configured()
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	id := strings.TrimPrefix(c.Address, "cluster.") + "-" + randomHex(4)
	v := sdk.SetAttrs(c.Planned, map[string]cty.Value{
		"id":         cty.StringVal(id),
		"endpoint":   cty.StringVal("example://" + id),
		"created_at": cty.StringVal(time.Now().UTC().Format(time.RFC3339)),
	})
	// From here on the cluster exists: save it and tell mltf at once, so
	// that an interrupted apply knows about it.
	if err := st.save(id, v); err != nil {
		return cty.NilVal, diags.FromError("Cannot save the cluster", err)
	}
	c.Checkpoint(v)
	c.Log("example", "cluster "+id+" created, booting")
	if err := boot(ctx, c, v); err != nil {
		return v, diags.Errorf("Cluster did not boot", "Cluster %s was created but did not finish booting: %s. The next apply picks it up.", id, err)
	}
	return v, diags
}

// boot waits for options.boot_seconds, reporting progress, until ctx ends.
func boot(ctx context.Context, c *sdk.Change, v cty.Value) error {
	total := 0.0
	if opts := v.GetAttr("options"); !opts.IsNull() {
		if s := opts.GetAttr("boot_seconds"); !s.IsNull() {
			total, _ = s.AsBigFloat().Float64()
		}
	}
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for step := int64(1); time.Since(start).Seconds() < total; step++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		c.Progress(providers.Progress{Message: "booting", Step: step, Total: int64(total * 10), Elapsed: time.Since(start)})
	}
	return nil
}

func (e *example) update(_ context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
	st, diags := e.configured()
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	id := c.Prior.GetAttr("id").AsString()
	if err := st.save(id, c.Planned); err != nil {
		return c.Prior, diags.FromError("Cannot save the cluster", err)
	}
	return c.Planned, diags
}

func (e *example) delete(_ context.Context, c *sdk.Change) providers.Diagnostics {
	st, diags := e.configured()
	if diags.HasErrors() {
		return diags
	}
	return diags.FromError("Cannot delete the cluster", st.remove(c.Prior.GetAttr("id").AsString()))
}

func (e *example) read(_ context.Context, r *sdk.Read) (cty.Value, providers.Diagnostics) {
	st, diags := e.configured()
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, err := st.load(r.Current.GetAttr("id").AsString(), clusterSchema().ImpliedType())
	return v, diags.FromError("Cannot read the cluster", err)
}

func (e *example) importCluster(_ context.Context, r *sdk.Import) (cty.Value, providers.Diagnostics) {
	st, diags := e.configured()
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, err := st.load(r.ID, clusterSchema().ImpliedType())
	return v, diags.FromError("Cannot read the cluster", err)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
