package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

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
		if len(models) == 0 {
			fmt.Fprintln(c.Stdout, "No models in the registry yet: a model block registers one at apply.")
			return 0
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MODEL\tVERSIONS\tLATEST\tALIASES\tUPDATED")
		for _, m := range models {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", m.Name, m.Versions, m.Latest, aliasesText(m.Aliases), m.Updated.Local().Format("2006-01-02 15:04"))
		}
		tw.Flush()
		return 0
	})
}

func aliasesText(m map[string]int64) string {
	if len(m) == 0 {
		return "-"
	}
	names := make([]string, 0, len(m))
	for a := range m {
		names = append(names, a)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, a := range names {
		parts[i] = fmt.Sprintf("%s=%d", a, m[a])
	}
	return strings.Join(parts, " ")
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
			return tracking.ModelVersion{}, fmt.Errorf("model %s has no alias %q (its aliases: %s); mltf models history %s shows where aliases went", name, alias, aliasesText(aliases), name)
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
		run, runErr := ts.GetRun(ctx, v.RunID)
		if asJSON {
			out := views.ModelVersion{ModelVersion: v, Aliases: here}
			if runErr == nil {
				out.Run, out.Experiment = &run, experimentName(ctx, ts, run.ExperimentID)
			}
			views.ModelVersionJSON(c.Stdout, out)
			return 0
		}
		l := v.Lineage
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "model\t%s\n", v.Model)
		fmt.Fprintf(tw, "version\t%d\n", v.Version)
		fmt.Fprintf(tw, "aliases\t%s\n", orDash(strings.Join(here, ", ")))
		fmt.Fprintf(tw, "registered\t%s\n", v.Created.Local().Format(time.RFC3339))
		fmt.Fprintf(tw, "location\t%s\n", v.ArtifactURI)
		fmt.Fprintf(tw, "content hash\tsha256:%s\n", v.ContentHash)
		fmt.Fprintf(tw, "metrics\t%s\n", orDash(metricsText(v.Metrics)))
		fmt.Fprintln(tw, "lineage\t")
		fmt.Fprintf(tw, "  run\t%s (%s, workspace %s)\n", orDash(v.RunID), orDash(l.Address), orDash(l.Workspace))
		if runErr == nil {
			fmt.Fprintf(tw, "  run status\t%s, finished %s\n", run.Status, run.Finished.Local().Format(time.RFC3339))
		}
		fmt.Fprintf(tw, "  fingerprint\t%s\n", orDash(l.Fingerprint))
		dirty := ""
		if l.GitDirty {
			dirty = " (dirty)"
		}
		fmt.Fprintf(tw, "  code commit\t%s%s\n", orDash(l.GitCommit), dirty)
		fmt.Fprintf(tw, "  params\t%s\n", orDash(string(l.Params)))
		for _, name := range sortedDatasetNames(l.Datasets) {
			d := l.Datasets[name]
			extra := ""
			if d.Version != 0 {
				extra = fmt.Sprintf(", version %d", d.Version)
			}
			fp := "not fingerprinted"
			if d.Fingerprint != "" {
				fp = "fingerprint " + d.Fingerprint
			}
			fmt.Fprintf(tw, "  data.%s\t%s (%s%s)\n", name, d.Location, fp, extra)
		}
		fmt.Fprintf(tw, "  copied from\t%s\n", orDash(l.SourceURI))
		for _, f := range l.Files {
			fmt.Fprintf(tw, "file\t%s  %d bytes  sha256:%s\n", f.Path, f.Size, f.SHA256)
		}
		tw.Flush()
		return 0
	})
}

func sortedDatasetNames(m map[string]tracking.DatasetRef) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
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
			fmt.Fprintf(c.Stdout, "No alias of model %s has moved yet.\n", name)
			return 0
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "WHEN\tWHO\tALIAS\tMOVE\tGATES")
		for _, m := range moves {
			lines := gateLines(m.Gates)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.When.Local().Format("2006-01-02 15:04:05"), m.Who, m.Alias, moveText(m), lines[0])
			for _, l := range lines[1:] {
				fmt.Fprintf(tw, "\t\t\t\t%s\n", l)
			}
		}
		tw.Flush()
		return 0
	})
}

func moveText(m tracking.AliasMove) string {
	v := func(n int64) string {
		if n == 0 {
			return "(unset)"
		}
		return strconv.FormatInt(n, 10)
	}
	switch {
	case m.From == m.To:
		return "stays at " + v(m.From)
	case m.To == 0:
		return v(m.From) + " -> removed"
	}
	return v(m.From) + " -> " + v(m.To)
}

// gateLines renders the gate results recorded with a move, one per line.
func gateLines(raw json.RawMessage) []string {
	var entries []struct {
		Gate      *int   `json:"gate"`
		Passed    bool   `json:"passed"`
		Message   string `json:"message"`
		Values    string `json:"values"`
		Candidate int64  `json:"candidate"`
		Note      string `json:"note"`
	}
	if json.Unmarshal(raw, &entries) != nil || len(entries) == 0 {
		return []string{"-"}
	}
	var out []string
	for _, e := range entries {
		switch {
		case e.Note != "":
			out = append(out, e.Note)
		case e.Gate != nil:
			word := "holds"
			if !e.Passed {
				word = "FAILS: " + e.Message
			}
			s := fmt.Sprintf("v%d gate %d %s", e.Candidate, *e.Gate, word)
			if e.Values != "" {
				s += " (" + e.Values + ")"
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return []string{"-"}
	}
	return out
}
