package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/sdk"
)

// notebook is the provider's own kind: mltf's kind table does not have
// it, so declaring it here is all it takes for configurations to write
// notebook "NAME" {} blocks, served by this provider.
func notebookSchema() *schema.Block {
	return &schema.Block{
		Description: "A pretend notebook server on a pool of a pretend cluster.",
		Attributes: map[string]*schema.Attribute{
			"cluster": {Type: cty.String, Required: true, Description: "The id of the cluster, e.g. cluster.pretend.id."},
			"pool":    {Type: cty.String, Required: true, Description: "The pool of that cluster the notebook runs on."},
			"image":   {Type: cty.String, Optional: true, Description: "The notebook image; it changes in place."},
			"id":      {Type: cty.String, Computed: true},
			"url":     {Type: cty.String, Computed: true},
		},
	}
}

func (e *example) notebookKind() *sdk.Kind {
	return &sdk.Kind{
		Schema:    notebookSchema(),
		ReplaceOn: []cty.Path{cty.GetAttrPath("cluster"), cty.GetAttrPath("pool")},
		Create:    e.createNotebook,
		Update:    e.updateNotebook,
		Delete:    e.deleteNotebook,
		Read:      e.readNotebook,
	}
}

// notebooks keeps notebooks next to the clusters, in their own folder.
func (e *example) notebooks() (*store, providers.Diagnostics) {
	st, diags := e.configured()
	if diags.HasErrors() {
		return nil, diags
	}
	return &store{dir: filepath.Join(st.dir, "notebooks")}, nil
}

func (e *example) createNotebook(_ context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
	clusters, diags := e.configured()
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	clusterID, pool := c.Planned.GetAttr("cluster").AsString(), c.Planned.GetAttr("pool").AsString()
	cluster, err := clusters.load(clusterID, clusterSchema().ImpliedType())
	if err != nil {
		return cty.NilVal, diags.FromError("Cannot read the cluster", err)
	}
	if cluster.IsNull() {
		return cty.NilVal, diags.AttrError(cty.GetAttrPath("cluster"), "No such cluster",
			fmt.Sprintf("There is no cluster %q; refer to one, e.g. cluster = cluster.pretend.id.", clusterID))
	}
	if pools := cluster.GetAttr("pool"); pools.IsNull() || !pools.HasIndex(cty.StringVal(pool)).True() {
		return cty.NilVal, diags.AttrError(cty.GetAttrPath("pool"), "No such pool",
			fmt.Sprintf("Cluster %q has no pool %q.", clusterID, pool))
	}
	st, diags := e.notebooks()
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	id := clusterID + "-" + strings.TrimPrefix(c.Address, "notebook.") + "-" + randomHex(2)
	v := sdk.SetAttrs(c.Planned, map[string]cty.Value{
		"id":  cty.StringVal(id),
		"url": cty.StringVal(cluster.GetAttr("endpoint").AsString() + "/" + pool + "/notebooks/" + id),
	})
	return v, diags.FromError("Cannot save the notebook", st.save(id, v))
}

func (e *example) updateNotebook(_ context.Context, c *sdk.Change) (cty.Value, providers.Diagnostics) {
	st, diags := e.notebooks()
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return c.Planned, diags.FromError("Cannot save the notebook", st.save(c.Prior.GetAttr("id").AsString(), c.Planned))
}

func (e *example) deleteNotebook(_ context.Context, c *sdk.Change) providers.Diagnostics {
	st, diags := e.notebooks()
	if diags.HasErrors() {
		return diags
	}
	return diags.FromError("Cannot delete the notebook", st.remove(c.Prior.GetAttr("id").AsString()))
}

func (e *example) readNotebook(_ context.Context, r *sdk.Read) (cty.Value, providers.Diagnostics) {
	st, diags := e.notebooks()
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, err := st.load(r.Current.GetAttr("id").AsString(), notebookSchema().ImpliedType())
	return v, diags.FromError("Cannot read the notebook", err)
}
