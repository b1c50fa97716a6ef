package command

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mltf/mltf/cmd/internal/views"
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
	opts.Dir = c.WorkDir
	results, diags := format.Paths(args, opts)
	views.NewDiagnostics(c.Stderr, diagnosticSources(c.WorkDir, diags), c.color()).Show(diags)
	changed := false
	for _, r := range results {
		if !r.Changed {
			continue
		}
		changed = true
		diff := ""
		if opts.Diff {
			diff = r.Diff
		}
		views.Formatted(c.Stdout, r.Path, diff, list)
	}
	switch {
	case diags.HasErrors():
		return 2
	case opts.Check && changed:
		return 3
	}
	return 0
}

// diagnosticSources reads the files the diagnostics point into, so that
// they show the source line and a caret; dir is what their names are
// relative to.
func diagnosticSources(dir string, diags hcl.Diagnostics) map[string]*hcl.File {
	files := map[string]*hcl.File{}
	for _, d := range diags {
		if d.Subject == nil || d.Subject.Filename == "" || files[d.Subject.Filename] != nil {
			continue
		}
		path := d.Subject.Filename
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		f, _ := hclsyntax.ParseConfig(src, d.Subject.Filename, hcl.InitialPos)
		if f != nil {
			files[d.Subject.Filename] = f
		}
	}
	return files
}
