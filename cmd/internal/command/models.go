package command

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/state/tracking"
)

// ModelsCommand is mltf models, which lists its subcommands.
type ModelsCommand struct{ Meta }

func (c *ModelsCommand) Synopsis() string {
	return "Inspect the model registry: versions, aliases, lineage"
}
func (c *ModelsCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf models <subcommand>

  list [-json]                                  models, their latest version and aliases
  show [-json] NAME[@ALIAS|:VERSION]            one version and its lineage back to the data
                                                (default: the latest version)
  history [-json] [-alias ALIAS] NAME           every alias move, with who, when and the gate results
`)
}
func (c *ModelsCommand) Run(args []string) int { return cli.RunResultHelp }

// ModelsListCommand is mltf models list.
type ModelsListCommand struct{ Meta }

func (c *ModelsListCommand) Synopsis() string { return "List registered models" }
func (c *ModelsListCommand) Help() string     { return "Usage: mltf models list [-json]" }
func (c *ModelsListCommand) Run(args []string) int {
	var asJSON bool
	fs := c.flagSet("models list")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	if !c.parseNoArgs(fs, args) {
		return cli.RunResultHelp
	}
	return c.withTracking(func(ctx context.Context, ts *tracking.Store) int {
		models, err := ts.ListModels(ctx)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		if asJSON {
			views.ModelsJSON(c.Stdout, models)
			return 0
		}
		views.ModelsList(c.Stdout, models)
		return 0
	})
}

// parseModelRef splits NAME, NAME@ALIAS and NAME:VERSION.
func parseModelRef(ref string) (name, alias string, version int64, err error) {
	if n, a, ok := strings.Cut(ref, "@"); ok {
		if n == "" || a == "" {
			return "", "", 0, fmt.Errorf("%q: write NAME@ALIAS, e.g. digits@production", ref)
		}
		return n, a, 0, nil
	}
	if n, v, ok := strings.Cut(ref, ":"); ok {
		num, perr := strconv.ParseInt(v, 10, 64)
		if n == "" || perr != nil || num < 1 {
			return "", "", 0, fmt.Errorf("%q: write NAME:VERSION with a version number, e.g. digits:3", ref)
		}
		return n, "", num, nil
	}
	return ref, "", 0, nil
}

// resolveModelVersion finds the version a reference names.
func resolveModelVersion(ctx context.Context, ts *tracking.Store, ref string) (tracking.ModelVersion, error) {
	name, alias, version, err := parseModelRef(ref)
	if err != nil {
		return tracking.ModelVersion{}, err
	}
	notFound := func() error {
		return fmt.Errorf("no model %q in the registry; mltf models list shows the models", name)
	}
	switch {
	case alias != "":
		aliases, err := ts.Aliases(ctx, name)
		if err != nil {
			return tracking.ModelVersion{}, err
		}
		v, ok := aliases[alias]
		if !ok {
			if _, err := ts.LatestModelVersion(ctx, name); errors.Is(err, tracking.ErrNotFound) {
				return tracking.ModelVersion{}, notFound()
			}
			return tracking.ModelVersion{}, fmt.Errorf("model %s has no alias %q (its aliases: %s); mltf models history %s shows where aliases went", name, alias, views.AliasesText(aliases), name)
		}
		version = v
	case version == 0:
		v, err := ts.LatestModelVersion(ctx, name)
		if errors.Is(err, tracking.ErrNotFound) {
			return tracking.ModelVersion{}, notFound()
		}
		return v, err
	}
	v, err := ts.GetModelVersion(ctx, name, version)
	if errors.Is(err, tracking.ErrNotFound) {
		latest, lerr := ts.LatestModelVersion(ctx, name)
		if lerr != nil {
			return tracking.ModelVersion{}, notFound()
		}
		return tracking.ModelVersion{}, fmt.Errorf("model %s has no version %d; its versions are 1 to %d", name, version, latest.Version)
	}
	return v, err
}

// ModelsShowCommand is mltf models show.
type ModelsShowCommand struct{ Meta }

func (c *ModelsShowCommand) Synopsis() string { return "Show a model version and its lineage" }
func (c *ModelsShowCommand) Help() string {
	return "Usage: mltf models show [-json] NAME[@ALIAS|:VERSION]\n\n  NAME alone shows the latest version; NAME@production the version the alias points at; NAME:3 version 3."
}
func (c *ModelsShowCommand) Run(args []string) int {
	var asJSON bool
	fs := c.flagSet("models show")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	ref, ok := c.parseWithName(fs, args, "mltf models show takes a model: NAME, NAME@ALIAS or NAME:VERSION")
	if !ok {
		return cli.RunResultHelp
	}
	return c.withTracking(func(ctx context.Context, ts *tracking.Store) int {
		v, err := resolveModelVersion(ctx, ts, ref)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		aliases, err := ts.Aliases(ctx, v.Model)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		var here []string
		for a, n := range aliases {
			if n == v.Version {
				here = append(here, a)
			}
		}
		sort.Strings(here)
		out := views.ModelVersion{ModelVersion: v, Aliases: here}
		if run, err := ts.GetRun(ctx, v.RunID); err == nil {
			out.Run, out.Experiment = &run, experimentName(ctx, ts, run.ExperimentID)
		}
		if asJSON {
			views.ModelVersionJSON(c.Stdout, out)
			return 0
		}
		views.ModelVersionShow(c.Stdout, out)
		return 0
	})
}

// ModelsHistoryCommand is mltf models history.
type ModelsHistoryCommand struct{ Meta }

func (c *ModelsHistoryCommand) Synopsis() string { return "Show every alias move of a model" }
func (c *ModelsHistoryCommand) Help() string {
	return "Usage: mltf models history [-json] [-alias ALIAS] NAME\n\n  Every move of the model's aliases, oldest first: when, who, from which version to which, and the gate results. A refused move (a gate failed) shows as \"stays\"."
}
func (c *ModelsHistoryCommand) Run(args []string) int {
	var asJSON bool
	var alias string
	fs := c.flagSet("models history")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	fs.StringVar(&alias, "alias", "", "only this alias")
	name, ok := c.parseWithName(fs, args, "mltf models history takes a model name")
	if !ok {
		return cli.RunResultHelp
	}
	return c.withTracking(func(ctx context.Context, ts *tracking.Store) int {
		moves, err := ts.AliasHistory(ctx, name, alias)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		if asJSON {
			views.AliasHistoryJSON(c.Stdout, moves)
			return 0
		}
		if len(moves) == 0 {
			if _, err := ts.LatestModelVersion(ctx, name); errors.Is(err, tracking.ErrNotFound) {
				c.errorf("No model %q in the registry; mltf models list shows the models", name)
				return 1
			}
		}
		views.AliasHistory(c.Stdout, name, moves)
		return 0
	})
}
