package command

import (
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/state"
)

// ShowCommand is mltf show.
type ShowCommand struct{ Meta }

func (c *ShowCommand) Synopsis() string { return "Show the state or a saved plan" }
func (c *ShowCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf [global options] show [-json | -markdown] [PLANFILE]

  Without PLANFILE, shows the current state; with it, the saved plan.

Options:
  -json       Print JSON (docs/json-format.md).
  -markdown   Print the saved plan as a pull-request comment: a summary
              line and a collapsible section per change with its reasons;
              sensitive values hidden. Needs PLANFILE.
`)
}

func (c *ShowCommand) Run(args []string) int {
	var asJSON, markdown bool
	fs := c.flagSet("show")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	fs.BoolVar(&markdown, "markdown", false, "Markdown output")
	args, ok := c.parseArgs(fs, args)
	if !ok {
		return cli.RunResultHelp
	}
	switch {
	case len(args) > 1:
		c.errorf("mltf show takes at most one plan file, got %d arguments", len(args))
		return cli.RunResultHelp
	case asJSON && markdown:
		c.errorf("-json and -markdown exclude each other")
		return cli.RunResultHelp
	case markdown && len(args) == 0:
		c.errorf("-markdown renders a saved plan: mltf plan -out=PLAN, then mltf show -markdown PLAN")
		return cli.RunResultHelp
	}
	if len(args) == 1 {
		b, err := c.readPlanFile(args[0])
		if err != nil {
			c.errorf("Cannot read the plan file\n\n%s", err)
			return 1
		}
		cs, diags := plan.DecodePlan(b, c.WorkDir, c.kindTable(nil).table)
		if diags.HasErrors() {
			c.diagView(nil).Show(diags)
			return 1
		}
		switch {
		case asJSON:
			views.PlanJSON(c.Stdout, cs, Version, nil)
		case markdown:
			views.PlanMarkdown(c.Stdout, cs)
		default:
			views.NewPlan(c.Stdout).Show(cs)
		}
		return 0
	}
	st, ok := c.currentState()
	if !ok {
		return 1
	}
	if asJSON {
		b, err := state.Encode(st)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		views.Document(c.Stdout, b)
		return 0
	}
	views.StateShow(c.Stdout, st)
	return 0
}
