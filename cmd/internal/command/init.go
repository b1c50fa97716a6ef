package command

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	if err := fs.Parse(args); err != nil {
		return 1
	}
	cfg, diags := c.loadConfig()
	if diags.HasErrors() {
		c.diagView(cfg).Show(diags)
		return 1
	}
	if err := os.MkdirAll(filepath.Join(c.WorkDir, ".mltf"), 0o755); err != nil {
		c.errorf("%s", err)
		return 1
	}
	if code := c.installProviders(cfg, mirror, upgrade); code != 0 {
		return code
	}
	fmt.Fprintln(c.Stdout, "\nmltf has been initialized. Run mltf plan to see what it would do.")
	return 0
}
