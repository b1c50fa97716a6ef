package local

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/lang/schema"
)

func optional(t cty.Type, desc string) *schema.Attribute {
	return &schema.Attribute{Type: t, Optional: true, Description: desc}
}

func computed(t cty.Type, desc string) *schema.Attribute {
	return &schema.Attribute{Type: t, Computed: true, Description: desc}
}

func clusterSchema() *schema.Block {
	return &schema.Block{
		Description: "The local machine as a place to run work, split into pools of slots.",
		Attributes: map[string]*schema.Attribute{
			"id":           computed(cty.String, "Identifier of the cluster, made at creation."),
			"hostname":     computed(cty.String, "Name of this host."),
			"cpus":         computed(cty.Number, "Logical CPUs of this host."),
			"memory_bytes": computed(cty.Number, "Physical memory of this host."),
			"gpus":         computed(cty.List(cty.String), "GPU models (nvidia-smi), empty without GPUs."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"pool": {Nesting: schema.NestingMap, Block: schema.Block{
				Description: "A share of the host: at most slots ranks run at once in the pool, across all trainings.",
				Attributes: map[string]*schema.Attribute{
					"slots":      {Type: cty.Number, Optional: true, Computed: true, Description: "Ranks that may run at once; default: the GPUs when gpus > 0, else the CPUs."},
					"gpus":       {Type: cty.Number, Optional: true, Computed: true, Description: "GPUs of the pool; default 0."},
					"name":       computed(cty.String, "The pool's label."),
					"cluster_id": computed(cty.String, "The id of the pool's cluster."),
					"provider":   computed(cty.String, `Always "local".`),
				},
			}},
		},
	}
}

// trainingSchema is the kind's schema: this provider adds no options.
func trainingSchema() *schema.Block { return training.Schema() }
