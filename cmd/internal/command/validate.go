package command

import (
	"context"
	"strings"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
)

// ValidateCommand is mltf validate.
type ValidateCommand struct{ Meta }

func (c *ValidateCommand) Synopsis() string { return "Check the configuration without touching state" }
func (c *ValidateCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf [global options] validate [-json]

  Checks syntax, references, kinds and attributes against the providers'
  schemas, without reading state or variables' values.
`)
}

func (c *ValidateCommand) Run(args []string) int {
	var asJSON bool
	fs := c.flagSet("validate")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	if !c.parseNoArgs(fs, args) {
		return cli.RunResultHelp
	}
	cfg, diags := c.loadConfig()
	if !diags.HasErrors() {
		settings := c.settings(cfg, c.workspace())
		provs := plan.NewProviders(c.providers(settings), settings).Offer(c.Bundled...)
		diags = append(diags, plan.Validate(context.Background(), cfg, provs)...)
		provs.Close()
	}
	if asJSON {
		views.Validate(c.Stdout, diags, cfgFiles(cfg))
	} else {
		c.diagView(cfg).Show(diags)
		if !diags.HasErrors() {
			views.Valid(c.Stdout)
		}
	}
	if diags.HasErrors() {
		return 1
	}
	return 0
}

func cfgFiles(cfg *lang.Config) map[string]*hcl.File {
	if cfg == nil {
		return nil
	}
	return cfg.Files
}
