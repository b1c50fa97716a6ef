package pipeline

import (
	"context"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/mltf/mltf/lang/funcs"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/runflow"
	"github.com/mltf/mltf/providers/sdk"
)

// Kind is the pipeline kind carried out by flow, for a provider's
// sdk.Provider.Kinds; training is the provider's training schema, whose
// type the steps' runs take; sched keeps schedules where the provider
// runs them (nil: nowhere, as locally).
func Kind(flow *runflow.Flow, trainingSchema *schema.Block, sched Scheduler) *sdk.Kind {
	k := &kind{flow: flow, run: trainingSchema.ImpliedType(), sched: sched}
	return &sdk.Kind{
		Schema:      Schema(),
		Version:     1,
		LongRunning: true,
		Validate: func(ctx context.Context, config cty.Value) providers.Diagnostics {
			_, d := Decode(config, k.functions())
			return d.Diags
		},
		Plan:   k.plan,
		Create: k.apply,
		Update: k.apply,
		Delete: k.delete,
	}
}

type kind struct {
	flow *runflow.Flow
	run  cty.Type // the type of a training's value, which a step's run takes
	// sched keeps the schedule where the provider runs it; nil locally.
	sched Scheduler
}

func (k *kind) functions() map[string]function.Function {
	return funcs.Functions(k.flow.Settings().WorkDir, false)
}
