package local

import (
	"github.com/zclconf/go-cty/cty"

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

func trainingSchema() *schema.Block {
	n, s, dyn := cty.Number, cty.String, cty.DynamicPseudoType
	return &schema.Block{
		Description: "One training run: code, data, params, distributed shape, checkpoint and retry policy.",
		Attributes: map[string]*schema.Attribute{
			"experiment":   optional(dyn, "The experiment the run belongs to (an experiment resource)."),
			"pool":         {Type: dyn, Required: true, Description: "Where the ranks run: a cluster's pool, e.g. cluster.dev.pool.cpu."},
			"code":         {Type: s, Required: true, Description: "Directory of the code, relative to the configuration; its content enters the fingerprint."},
			"command":      {Type: cty.List(s), Required: true, Description: "The command every rank runs, in a snapshot of code."},
			"env":          optional(cty.Map(s), "Extra environment variables of every rank."),
			"image":        optional(s, "Container image (recorded locally, used on Kubernetes)."),
			"data":         optional(dyn, "Data sets by name: dataset resources or URIs; each reaches the ranks as MLTF_DATA_<NAME>."),
			"params":       optional(dyn, "Hyperparameters, any object; the ranks read them from MLTF_PARAMS (JSON)."),
			"hang_timeout": optional(s, `Restart the ranks when none of them logs, reports or heartbeats for this long; default "30m".`),

			"run_id":         computed(s, "The run's id in the tracking store."),
			"fingerprint":    computed(s, "Hash of code, command, env, params, data, image and distributed shape."),
			"status":         computed(s, `"running", "finished", "failed" or "cancelled".`),
			"metrics":        computed(cty.Map(n), "Last value of each metric."),
			"artifact_uri":   computed(s, "Where the run's artifacts were uploaded."),
			"checkpoint_uri": computed(s, "Where the run's checkpoints are."),
			"restarts":       computed(cty.Map(n), "Restarts of all ranks by cause: infrastructure, user_error."),
			"started_at":     computed(s, "RFC 3339 time the ranks first started."),
			"finished_at":    computed(s, "RFC 3339 time the run ended."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"distributed": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"nodes":          optional(n, "Groups of ranks (one per host on a cluster; locally each gets its own NODE_RANK); default 1."),
				"procs_per_node": optional(n, "Ranks per node; default 1."),
				"backend":        optional(s, `"auto" (nccl with GPUs, else gloo), "nccl" or "gloo"; default "auto".`),
				"master_port":    optional(n, "Rendezvous port; default: a free port."),
				"timeout":        optional(s, `Timeout of collective operations (MLTF_DIST_TIMEOUT); default "10m".`),
				"nccl":           optional(cty.Map(s), "NCCL_* settings passed to every rank."),
			}}},
			"checkpoint": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"every": optional(s, `How often the code should checkpoint (MLTF_CHECKPOINT_EVERY); default "5m".`),
				"keep":  optional(n, "Committed checkpoints to keep; default 3."),
			}}},
			"retry": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"infrastructure": optional(n, "Restarts allowed after a rank is killed, lost or hung; default 3."),
				"user_error":     optional(n, "Restarts allowed after a rank exits non-zero; default 0."),
			}}},
			"resources": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"cpus":   optional(n, "CPUs for the whole run; sets OMP_NUM_THREADS to cpus / procs_per_node."),
				"memory": optional(s, `Memory for the whole run, e.g. "8Gi" (recorded locally).`),
				"gpus":   optional(n, "GPUs for the whole run; at most the pool's."),
			}}},
		},
	}
}
