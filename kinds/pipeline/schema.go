package pipeline

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

// Schema returns the pipeline kind's schema.
func Schema() *schema.Block {
	n, s, dyn := cty.Number, cty.String, cty.DynamicPseudoType
	opt := func(t cty.Type, desc string) *schema.Attribute {
		return &schema.Attribute{Type: t, Optional: true, Description: desc}
	}
	computed := func(t cty.Type, desc string) *schema.Attribute {
		return &schema.Attribute{Type: t, Computed: true, Description: desc}
	}
	step := schema.Block{
		Description: "One step: a command run in a snapshot of its code directory, reading its inputs and writing its outputs.",
		Attributes: map[string]*schema.Attribute{
			"code": {Type: s, Required: true, Description: "Directory of the step's code, relative to the configuration; its content enters the step's key."},
			"code_files": opt(cty.List(s), `The files of code that are this step's, as fileset patterns relative to code ("clean.py", "lib/**/*.py"): `+
				"only they enter the step's key, so steps sharing a directory rerun only when their own files change. Default: every file."),
			"command": {Type: cty.List(s), Required: true, Description: "The command, run in (a snapshot of) the code directory."},
			"params":  opt(dyn, "Parameters, any object; the step reads them from MLTF_PARAMS (JSON). Part of the key."),
			"image":   opt(s, "Container image: recorded locally, required on Kubernetes. Part of the key."),
			"env":     opt(cty.Map(s), "Extra environment variables. Part of the key."),
			"inputs": {Type: dyn, Optional: true, Expression: true, Description: "Inputs by name: datasets, paths or URIs, or outputs of other steps " +
				`(step.clean.outputs["clean.csv"]); each reaches the step as MLTF_INPUT_<NAME>. Their fingerprints are part of the key.`},
			"outputs": opt(cty.List(s), "Files the step writes under MLTF_OUTPUT_DIR; each is kept in the artifact store by its content's hash."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"retry": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"infrastructure": opt(n, "Restarts allowed after the step's process is killed, lost or hung; default 3."),
				"user_error":     opt(n, "Restarts allowed after the step exits non-zero; default 0."),
				"backoff":        opt(s, `Wait before the first restart, doubling for each next one (at most 10 minutes); default "0s".`),
			}}},
			"resources": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"cpus":   opt(n, "CPUs of the step; sets OMP_NUM_THREADS."),
				"memory": opt(s, `Memory of the step, e.g. "2Gi" (recorded locally).`),
				"gpus":   opt(n, "GPUs of the step."),
			}}},
		},
	}
	return &schema.Block{
		Description: "A DAG of steps with a content-addressed cache: a step runs only when its key (code, command, params, image, env, outputs, inputs) is new.",
		Attributes: map[string]*schema.Attribute{
			"pool":       {Type: dyn, Required: true, Description: "Where the steps run: a cluster's pool."},
			"experiment": opt(dyn, "The experiment the steps' runs belong to; default the experiment named after the pipeline."),
			"parallel":   opt(n, "Steps running at once, among those whose inputs are ready; default 2."),

			"outputs": computed(cty.Map(s), `The URI of each step's output in the artifact store, by "STEP.FILE": content-addressed, so that a byte-identical output keeps its URI.`),
			"steps":   computed(cty.Map(stepFactsType), "Per step: key, the run that made its outputs (run_id), and the hashes of its outputs."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"step": {Nesting: schema.NestingMap, MinItems: 1, Block: step},
			"schedule": {Nesting: schema.NestingSingle, Block: schema.Block{
				Description: "When mltf scheduler (or a Kubernetes CronJob) applies the pipeline unasked. Not part of any step's key.",
				Attributes: map[string]*schema.Attribute{
					"cron":              {Type: s, Required: true, Description: `A cron expression (minute hour day-of-month month day-of-week, robfig/cron syntax) or a descriptor: "0 3 * * 1", "@daily", "@every 6h".`},
					"timezone":          opt(s, `IANA time zone of the cron expression, e.g. "Europe/Berlin"; default UTC.`),
					"concurrency":       opt(s, `While the previous scheduled run goes on: "forbid" (skip the tick, default), "replace" (stop it, then run) or "allow".`),
					"starting_deadline": opt(s, `How late a tick may still start, e.g. "30m"; a tick later than that is skipped. Default none: after downtime the latest missed tick runs once.`),
				}}},
		},
	}
}

// stepFactsType is the type of one element of the steps attribute.
var stepFactsType = cty.Object(map[string]cty.Type{
	"key": cty.String, "run_id": cty.String, "outputs": cty.Map(cty.String),
})
