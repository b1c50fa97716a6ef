package command

import (
	"fmt"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/lang/format"
)

// FmtCommand is mltf fmt.
type FmtCommand struct{ Meta }

func (c *FmtCommand) Synopsis() string { return "Rewrite configuration files in the canonical style" }
func (c *FmtCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf [global options] fmt [options] [PATH...]

  Rewrites *.mltf.hcl and *.mltfvars files in the canonical format. With no
  PATH, the working directory.

Options:
  -check       Do not write; exit 3 when a file is not formatted.
  -diff        Show the changes as a diff.
  -recursive   Also process subdirectories.
  -list=false  Do not list the files that change.
`)
}

func (c *FmtCommand) Run(args []string) int {
	var opts format.Options
	list := true
	fs := c.flagSet("fmt")
	fs.BoolVar(&opts.Check, "check", false, "check only")
	fs.BoolVar(&opts.Diff, "diff", false, "show diffs")
	fs.BoolVar(&opts.Recursive, "recursive", false, "recurse")
	fs.BoolVar(&list, "list", true, "list changed files")
	args, ok := c.parseArgs(fs, args)
	if !ok {
		return cli.RunResultHelp
	}
	opts.Write = !opts.Check
	paths := args
	if len(paths) == 0 {
		paths = []string{c.WorkDir}
	}
	results, diags := format.Paths(paths, opts)
	c.diagView(nil).Show(diags)
	changed := false
	for _, r := range results {
		if !r.Changed {
			continue
		}
		changed = true
		if list {
			fmt.Fprintln(c.Stdout, r.Path)
		}
		if opts.Diff {
			fmt.Fprint(c.Stdout, r.Diff)
		}
	}
	switch {
	case diags.HasErrors():
		return 2
	case opts.Check && changed:
		return 3
	}
	return 0
}
