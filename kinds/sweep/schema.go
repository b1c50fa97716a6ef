package sweep

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

// placed are the training attributes a sweep sets once for all its trials,
// at its top level: where the trials run and the experiment they join.
var placed = []string{"pool", "experiment"}

// Schema returns the sweep kind's schema. training is the training kind's
// schema as the provider serves it (with its options {} block): its
// configurable attributes and blocks, less pool and experiment, form the
// trial {} block.
func Schema(training *schema.Block) *schema.Block {
	trial := schema.Block{Description: "The trials' training: the training kind's body without pool and experiment.",
		Attributes: map[string]*schema.Attribute{}, Blocks: map[string]*schema.NestedBlock{}}
	for name, a := range training.Attributes {
		if (a.Computed && !a.Optional) || name == "pool" || name == "experiment" {
			continue
		}
		c := *a
		trial.Attributes[name] = &c
	}
	for name, b := range training.Blocks {
		trial.Blocks[name] = b
	}
	n, s, dyn := cty.Number, cty.String, cty.DynamicPseudoType
	opt := func(t cty.Type, desc string) *schema.Attribute {
		return &schema.Attribute{Type: t, Optional: true, Description: desc}
	}
	computed := func(t cty.Type, desc string) *schema.Attribute {
		return &schema.Attribute{Type: t, Computed: true, Description: desc}
	}
	return &schema.Block{
		Description: "A hyperparameter search over a training template, with early stopping.",
		Attributes: map[string]*schema.Attribute{
			"experiment": opt(dyn, "The experiment the trials' runs belong to."),
			"pool":       {Type: dyn, Required: true, Description: "Where the trials run: a cluster's pool."},
			"sampler":    opt(s, `"tpe" (default), "random" or "grid".`),
			"seed":       opt(n, "Seed of the sampler; the same seed and order of events give the same trials. Default 0."),
			"trials":     {Type: n, Required: true, Description: "How many trials to run; raising it continues the study."},
			"parallel":   opt(n, "Trials running at once; default 1."),
			"max_failed": opt(n, "Failed trials tolerated before the sweep fails; default 5."),

			"study":         computed(s, "Identity of the study: a hash of the space, objective, sampler, seed, early stopping and trial body."),
			"trials_done":   computed(n, "Complete trials."),
			"trials_pruned": computed(n, "Trials stopped early."),
			"trials_failed": computed(n, "Failed trials."),
			"best":          computed(bestType(), "The complete trial with the best objective: number, run_id, value, params, metrics."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"trial": {Nesting: schema.NestingSingle, MinItems: 1, Block: trial},
			"param": {Nesting: schema.NestingMap, MinItems: 1, Block: schema.Block{
				Description: "One searched parameter: exactly one of uniform, log_uniform, int, values.",
				Attributes: map[string]*schema.Attribute{
					"uniform":     opt(cty.List(n), "[low, high]: a float drawn uniformly."),
					"log_uniform": opt(cty.List(n), "[low, high], low > 0: a float whose logarithm is uniform."),
					"int":         opt(cty.List(n), "[low, high]: a whole number, both ends included."),
					"values":      opt(dyn, "A list of values (numbers, strings, booleans), one chosen."),
					"step":        opt(n, "Grid step of uniform or int."),
				}}},
			"objective": {Nesting: schema.NestingSingle, MinItems: 1, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"metric": {Type: s, Required: true, Description: "The metric the trials report (mltf.metric lines); its last value is the objective."},
				"goal":   {Type: s, Required: true, Description: `"maximize" or "minimize".`},
				"target": opt(n, "Stop starting trials once a trial reaches this value."),
			}}},
			"early_stopping": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"rule":             {Type: s, Required: true, Description: `"asha" or "median".`},
				"min_step":         opt(n, "First step at which a trial can be stopped (ASHA's first rung); default 1."),
				"reduction_factor": opt(n, "ASHA's η: each rung keeps the best 1/η; default 3."),
				"max_step":         opt(n, "A trial's last step; default: the last step of the complete trials."),
			}}},
		},
	}
}

// bestType is the type of the best attribute.
func bestType() cty.Type {
	return cty.Object(map[string]cty.Type{
		"number": cty.Number, "run_id": cty.String, "value": cty.Number, "params": cty.DynamicPseudoType, "metrics": cty.Map(cty.Number),
	})
}
