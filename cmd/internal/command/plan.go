package command

import (
	"os"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/plan"
)

// PlanCommand is mltf plan.
type PlanCommand struct{ Meta }

func (c *PlanCommand) Synopsis() string {
	return "Show what apply would provision, train, validate and promote, and why"
}

func (c *PlanCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf [global options] plan [options]

  Compares the configuration with the state and shows the changes apply
  would make, with the reasons (which input of a training changed, which
  dataset objects changed).

Options:
  -out=FILE            Save the plan to FILE, to apply exactly it later.
  -var NAME=VALUE      Set a variable (repeatable).
  -var-file=FILE       Read variables from FILE (repeatable).
  -target=ADDR         Plan only ADDR and what it depends on (repeatable).
  -replace=ADDR        Replace ADDR even if it has not changed (repeatable).
  -refresh=false       Do not read current values of objects first.
  -destroy             Plan to destroy everything.
  -detailed-exitcode   Exit 0 with no changes, 1 on error, 2 with changes.
  -json                Print the plan as JSON (docs/json-format.md).
  -parallelism=N       Work on N resources at once (default 10).
  -lock=false          Do not lock the state.
  -lock-timeout=D      Wait up to D for the state lock.
`)
}

func (c *PlanCommand) Run(args []string) int {
	var f opFlags
	var out string
	var detailed bool
	fs := c.flagSet("plan")
	c.addOpFlags(fs, &f)
	fs.StringVar(&out, "out", "", "Write the plan to this file.")
	fs.BoolVar(&f.destroy, "destroy", false, "Plan to destroy everything.")
	fs.BoolVar(&detailed, "detailed-exitcode", false, "Exit 2 when there are changes.")
	if !c.parseNoArgs(fs, args) {
		return cli.RunResultHelp
	}
	ctx, stop := c.interruptible()
	defer stop()

	cfg, diags := c.loadConfig()
	dv := c.diagView(cfg)
	if diags.HasErrors() {
		if f.json {
			views.Validate(c.Stdout, diags, cfgFiles(cfg))
		}
		dv.Show(diags)
		return 1
	}
	opts, ds := c.planOptions(cfg, &f)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		dv.Show(diags)
		return 1
	}
	s := c.openSession(ctx, cfg, "plan", &f)
	if s == nil {
		return 1
	}
	defer s.close()

	cs, ds := plan.Plan(ctx, cfg, s.prior, s.provs, opts)
	diags = append(diags, ds...)
	if f.json {
		views.PlanJSON(c.Stdout, cs, Version, diags)
	} else {
		dv.Show(diags)
		if !diags.HasErrors() {
			views.NewPlan(c.Stdout).Show(cs)
		}
	}
	if diags.HasErrors() {
		return 1
	}
	if out != "" {
		b, err := plan.EncodePlan(cs, Version)
		if err == nil {
			b, err = c.sealPlan(cfg, b)
		}
		if err == nil {
			err = os.WriteFile(out, b, 0o600)
		}
		if err == nil {
			// An existing file keeps its mode through WriteFile; a plan
			// holds sensitive values, so only its owner reads it.
			err = os.Chmod(out, 0o600)
		}
		if err != nil {
			c.errorf("Cannot save the plan to %s\n\n%s", out, err)
			return 1
		}
		if !f.json {
			views.PlanSaved(c.Stdout, out)
		}
	}
	if detailed && cs.HasChanges() {
		return 2
	}
	return 0
}
