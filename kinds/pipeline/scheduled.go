package pipeline

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/sdk"
)

// Scheduler keeps a pipeline's schedule where the provider of its pool
// runs it unasked: on Kubernetes a CronJob. Locally there is none (nil):
// mltf scheduler reads the schedule from the configuration.
type Scheduler interface {
	// Plan says what Apply will make of c's schedule ("" when c has none
	// and nothing is to be removed), and what will not work.
	Plan(ctx context.Context, address string, c *Config) (string, providers.Diagnostics)
	// Apply makes what runs c's schedule, or removes it when c has none.
	Apply(ctx context.Context, address string, c *Config) error
	// Delete removes what runs the schedule of the pipeline at address,
	// configured as c.
	Delete(ctx context.Context, address string, c *Config) error
}

// planSchedule adds the schedule's reason to p when the schedule is new,
// changed or removed.
func (k *kind) planSchedule(ctx context.Context, p *sdk.Plan, c *Config) providers.Diagnostics {
	if k.sched == nil {
		return nil
	}
	prior := cty.NullVal(cty.DynamicPseudoType)
	if !p.Prior.IsNull() && p.Prior.Type().IsObjectType() && p.Prior.Type().HasAttribute("schedule") {
		prior = p.Prior.GetAttr("schedule")
	}
	now := p.Config.GetAttr("schedule")
	if prior.IsNull() && now.IsNull() {
		return nil
	}
	reason, diags := k.sched.Plan(ctx, p.Address, c)
	if same := now.IsWhollyKnown() && prior.Type().Equals(now.Type()) && prior.Equals(now).True(); !same && reason != "" {
		p.Reasons = append(p.Reasons, reason)
	}
	return diags
}

// applySchedule brings what runs the schedule in line with c, after the
// steps ran.
func (k *kind) applySchedule(ctx context.Context, address string, c *Config, diags providers.Diagnostics) providers.Diagnostics {
	if k.sched == nil {
		return diags
	}
	if err := k.sched.Apply(ctx, address, c); err != nil {
		return diags.FromError("Cannot schedule the pipeline", err)
	}
	return diags
}

func (k *kind) delete(ctx context.Context, ch *sdk.Change) providers.Diagnostics {
	var diags providers.Diagnostics
	if k.sched == nil {
		return nil
	}
	c, _ := Decode(ch.Prior, k.functions())
	if err := k.sched.Delete(ctx, ch.Address, c); err != nil {
		return diags.FromError("Cannot remove the pipeline's schedule", err)
	}
	return nil
}
