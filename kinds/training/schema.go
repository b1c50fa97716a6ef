package training

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

// optional is an optional attribute of type t.
func optional(t cty.Type, desc string) *schema.Attribute {
	return &schema.Attribute{Type: t, Optional: true, Description: desc}
}

// computed is an attribute the provider sets.
func computed(t cty.Type, desc string) *schema.Attribute {
	return &schema.Attribute{Type: t, Computed: true, Description: desc}
}

// Schema returns a new copy of the training kind's schema, which a
// provider may extend (with its options {} block) before serving it.
func Schema() *schema.Block {
	n, s, dyn := cty.Number, cty.String, cty.DynamicPseudoType
	return &schema.Block{
		Description: "One training run: code, data, params, distributed shape, checkpoint and retry policy.",
		Attributes: map[string]*schema.Attribute{
			"experiment":   optional(dyn, "The experiment the run belongs to (an experiment resource)."),
			"pool":         {Type: dyn, Required: true, Description: "Where the ranks run: a cluster's pool, e.g. cluster.dev.pool.cpu."},
			"code":         {Type: s, Required: true, Description: "Directory of the code, relative to the configuration; its content enters the fingerprint and is shipped with the run."},
			"command":      {Type: cty.List(s), Required: true, Description: "The command every rank runs, in (a snapshot of) the code directory."},
			"env":          optional(cty.Map(s), "Extra environment variables of every rank."),
			"secret_env":   optional(cty.Map(s), `Environment variables of every rank whose values are references resolved at launch and never stored: "env:NAME" or "file:PATH" locally, "secret:NAME/KEY" (a Kubernetes Secret) on Kubernetes. The fingerprint takes the reference, not the value.`),
			"image":        optional(s, "Container image of the ranks: recorded locally, required on Kubernetes. A digest (image@sha256:...) pins it."),
			"data":         optional(dyn, "Data sets by name: dataset resources or URIs; each reaches the ranks as MLTF_DATA_<NAME>."),
			"params":       optional(dyn, "Hyperparameters, any object; the ranks read them from MLTF_PARAMS (JSON)."),
			"hang_timeout": optional(s, `Restart the ranks when none of them logs, reports or heartbeats for this long; default "30m".`),

			"run_id":         computed(s, "The run's id in the tracking store."),
			"fingerprint":    computed(s, "Hash of code, command, env, params, data, image and distributed shape."),
			"status":         computed(s, `"running", "finished", "failed" or "cancelled".`),
			"metrics":        computed(cty.Map(n), "Last value of each metric."),
			"artifact_uri":   computed(s, "Where the run's artifacts go."),
			"checkpoint_uri": computed(s, "Where the run's checkpoints are."),
			"restarts":       computed(cty.Map(n), "Restarts of all ranks by cause: infrastructure, user_error."),
			"started_at":     computed(s, "RFC 3339 time the ranks were first started."),
			"finished_at":    computed(s, "RFC 3339 time the run ended."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"distributed": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"nodes":          optional(n, "Groups of ranks: one pod per node on Kubernetes, locally each with its own NODE_RANK; default 1."),
				"procs_per_node": optional(n, "Ranks per node, each with one GPU on GPU pools; default 1."),
				"backend":        optional(s, `"auto" (nccl with GPUs, else gloo), "nccl" or "gloo"; default "auto".`),
				"master_port":    optional(n, "Rendezvous port; default a free port locally, 29500 on Kubernetes."),
				"timeout":        optional(s, `Timeout of collective operations (MLTF_DIST_TIMEOUT); default "10m".`),
				"nccl":           optional(cty.Map(s), "NCCL_* settings passed to every rank."),
			}}},
			"checkpoint": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"every": optional(s, `How often the code should checkpoint (MLTF_CHECKPOINT_EVERY); default "5m".`),
				"keep":  optional(n, "Committed checkpoints to keep; default 3."),
			}}},
			"retry": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"infrastructure": optional(n, "Restarts of all ranks allowed after a rank is killed, preempted, lost or hung; default 3."),
				"user_error":     optional(n, "Restarts of all ranks allowed after a rank exits non-zero; default 0."),
			}}},
			"resources": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"cpus":   optional(n, "CPUs for the whole run; sets OMP_NUM_THREADS to the share of each rank."),
				"memory": optional(s, `Memory for the whole run, e.g. "8Gi" (recorded locally).`),
				"gpus":   optional(n, "GPUs for the whole run; locally at most the pool's, on Kubernetes default nodes × procs_per_node on GPU pools."),
			}}},
		},
	}
}
