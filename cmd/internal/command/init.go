package command

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/lang"
)

// InitCommand is mltf init.
type InitCommand struct{ Meta }

func (c *InitCommand) Synopsis() string { return "Prepare the working directory and install providers" }
func (c *InitCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf [global options] init [options]

  Checks the configuration, creates .mltf/, and installs the providers named
  in required_providers, pinning them in .mltf.lock.hcl.

Options:
  -upgrade             Pick the newest allowed versions again and update the lock file.
  -plugin-dir=DIR      A provider mirror (directory or blob URL) laid out as NAME/VERSION/OS_ARCH/.
`)
}

func (c *InitCommand) Run(args []string) int {
	var upgrade bool
	var mirror string
	fs := c.flagSet("init")
	fs.BoolVar(&upgrade, "upgrade", false, "upgrade providers")
	fs.StringVar(&mirror, "plugin-dir", os.Getenv("MLTF_PROVIDER_MIRROR"), "provider mirror")
	if !c.parseNoArgs(fs, args) {
		return cli.RunResultHelp
	}
	// The providers are installed as soon as the mltf {} block is read:
	// the rest of the configuration may use kinds of their own.
	installed := -1
	cfg, diags := c.loadConfigAfter(func(s *lang.Settings) {
		if err := os.MkdirAll(filepath.Join(c.WorkDir, ".mltf"), 0o755); err != nil {
			c.errorf("%s", err)
			installed = 1
			return
		}
		installed = c.installProviders(&lang.Config{Settings: s}, mirror, upgrade)
	})
	if installed > 0 {
		return installed
	}
	if diags.HasErrors() {
		c.diagView(cfg).Show(diags)
		return 1
	}
	views.Initialized(c.Stdout)
	return 0
}
