package command

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/providers/local"
	"github.com/mltf/mltf/state/tracking"
)

// RunsCommand is mltf runs, which lists its subcommands.
type RunsCommand struct{ Meta }

func (c *RunsCommand) Synopsis() string { return "Inspect training runs in the tracking store" }
func (c *RunsCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf runs <subcommand>

  list [-experiment NAME] [-n N]        runs, newest first
  show RUN                              one run: status, params, metrics, restarts, environment
  logs RUN [-rank N] [-f]               a rank's log (follow with -f)
  compare RUN RUN...                    params and final metrics side by side
  plot RUN... -metric NAME -o FILE      metric curves as PNG or SVG (by FILE's extension)

RUN is a run id or a unique prefix of one.
`)
}
func (c *RunsCommand) Run(args []string) int { return cli.RunResultHelp }

// withTracking opens the tracking store of the configuration.
func (m *Meta) withTracking(fn func(ctx context.Context, ts *tracking.Store) int) int {
	ctx := context.Background()
	s := m.settings(m.settingsConfig(), m.workspace())
	ts, err := tracking.Open(ctx, s.TrackingURL, m.WorkDir)
	if err != nil {
		m.errorf("Cannot open the tracking store %s\n\n%s", s.TrackingURL, err)
		return 1
	}
	defer ts.Close()
	return fn(ctx, ts)
}

// findRun resolves a run id or unique prefix.
func findRun(ctx context.Context, ts *tracking.Store, id string) (tracking.Run, error) {
	if r, err := ts.GetRun(ctx, id); err == nil {
		return r, nil
	}
	runs, err := ts.ListRuns(ctx, tracking.RunFilter{})
	if err != nil {
		return tracking.Run{}, err
	}
	var found []tracking.Run
	for _, r := range runs {
		if strings.HasPrefix(r.ID, id) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return tracking.Run{}, fmt.Errorf("no run %q in the tracking store; mltf runs list shows the runs", id)
	case 1:
		return found[0], nil
	}
	return tracking.Run{}, fmt.Errorf("%q matches %d runs; give more of the id", id, len(found))
}

// current is r as it is now: a run the tracking store still calls
// running may have ended while no apply followed it; its own status (in
// the local runs directory) then tells the final status and metrics.
func (m *Meta) current(r tracking.Run) tracking.Run {
	if r.Status != tracking.StatusRunning {
		return r
	}
	status, metrics, finished, ok := local.RunStatus(m.settings(m.settingsConfig(), m.workspace()).RunsDir, r.ID)
	if !ok || status == tracking.StatusRunning {
		return r
	}
	r.Status, r.Finished = status, finished
	if len(metrics) > 0 {
		r.Metrics = metrics
	}
	return r
}

// RunsListCommand is mltf runs list.
type RunsListCommand struct{ Meta }

func (c *RunsListCommand) Synopsis() string { return "List training runs" }
func (c *RunsListCommand) Help() string {
	return "Usage: mltf runs list [-experiment NAME] [-n N]"
}
func (c *RunsListCommand) Run(args []string) int {
	var exp string
	var n int
	fs := c.flagSet("runs list")
	fs.StringVar(&exp, "experiment", "", "only runs of this experiment (name or id)")
	fs.IntVar(&n, "n", 50, "at most N runs")
	if !c.parseNoArgs(fs, args) {
		return cli.RunResultHelp
	}
	return c.withTracking(func(ctx context.Context, ts *tracking.Store) int {
		filter := tracking.RunFilter{Limit: n}
		if exp != "" {
			e, err := ts.GetExperimentByName(ctx, exp)
			if err != nil {
				e, err = ts.GetExperiment(ctx, exp)
			}
			if err != nil {
				c.errorf("No experiment %q in the tracking store", exp)
				return 1
			}
			filter.ExperimentID = e.ID
		}
		runs, err := ts.ListRuns(ctx, filter)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		for i := range runs {
			runs[i] = c.current(runs[i])
		}
		views.RunsList(c.Stdout, runs, time.Now())
		return 0
	})
}

// RunsShowCommand is mltf runs show.
type RunsShowCommand struct{ Meta }

func (c *RunsShowCommand) Synopsis() string { return "Show one run" }
func (c *RunsShowCommand) Help() string     { return "Usage: mltf runs show [-json] RUN" }
func (c *RunsShowCommand) Run(args []string) int {
	var asJSON bool
	fs := c.flagSet("runs show")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	args, ok := c.parseArgs(fs, args)
	if !ok {
		return cli.RunResultHelp
	}
	if len(args) != 1 {
		c.errorf("mltf runs show takes one run id")
		return 1
	}
	return c.withTracking(func(ctx context.Context, ts *tracking.Store) int {
		r, err := findRun(ctx, ts, args[0])
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		r = c.current(r)
		experiment := experimentName(ctx, ts, r.ExperimentID)
		if asJSON {
			views.RunJSON(c.Stdout, r, experiment)
			return 0
		}
		views.RunShow(c.Stdout, r, experiment, time.Now())
		return 0
	})
}

// experimentName is the name of the experiment with id, or the id when
// the tracking store has no name for it.
func experimentName(ctx context.Context, ts *tracking.Store, id string) string {
	if e, err := ts.GetExperiment(ctx, id); err == nil && e.Name != "" {
		return e.Name
	}
	return id
}

// RunsLogsCommand is mltf runs logs.
type RunsLogsCommand struct{ Meta }

func (c *RunsLogsCommand) Synopsis() string { return "Print a rank's log" }
func (c *RunsLogsCommand) Help() string {
	return "Usage: mltf runs logs RUN [-rank N] [-f]\n\n  Prints the raw log of rank N (default 0) from the run's directory; -f follows it until the run ends."
}
func (c *RunsLogsCommand) Run(args []string) int {
	var rank int
	var follow bool
	fs := c.flagSet("runs logs")
	fs.IntVar(&rank, "rank", 0, "rank")
	fs.BoolVar(&follow, "f", false, "follow")
	id, ok := c.parseWithName(fs, args, "mltf runs logs takes a run id")
	if !ok {
		return cli.RunResultHelp
	}
	return c.withTracking(func(ctx context.Context, ts *tracking.Store) int {
		r, err := findRun(ctx, ts, id)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		dir := filepath.Join(c.settings(c.settingsConfig(), c.workspace()).RunsDir, r.ID)
		path := filepath.Join(dir, "logs", fmt.Sprintf("rank-%d.log", rank))
		f, err := os.Open(path)
		if err != nil {
			c.errorf("No log for rank %d of run %s\n\n%s\n\nLogs are kept in the run directory on the machine that ran it.", rank, views.ShortID(r.ID), err)
			return 1
		}
		defer f.Close()
		rd := bufio.NewReader(f)
		for {
			_, err := io.Copy(c.Stdout, rd)
			if err != nil || !follow {
				return 0
			}
			if st, _ := readRunStatus(dir); st != "" && st != "running" && st != "starting" {
				io.Copy(c.Stdout, rd)
				return 0
			}
			time.Sleep(500 * time.Millisecond)
		}
	})
}

// parseWithName parses fs from args holding one positional NAME, given
// before or after the flags; without it, it reports missing.
func (m *Meta) parseWithName(fs *flag.FlagSet, args []string, missing string) (string, bool) {
	rest, ok := m.parseArgs(fs, args)
	if !ok {
		return "", false
	}
	if len(rest) != 1 {
		m.errorf("%s", missing)
		return "", false
	}
	return rest[0], true
}

// readRunStatus reads the state word of a run directory's status.json.
func readRunStatus(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "status.json"))
	if err != nil {
		return "", err
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		return "", err
	}
	for _, k := range []string{"state", "status", "State", "Status"} {
		if s, ok := st[k].(string); ok {
			return s, nil
		}
	}
	return "", errors.New("no state in status.json")
}

// RunsCompareCommand is mltf runs compare.
type RunsCompareCommand struct{ Meta }

func (c *RunsCompareCommand) Synopsis() string { return "Compare runs' params and final metrics" }
func (c *RunsCompareCommand) Help() string     { return "Usage: mltf runs compare RUN RUN..." }
func (c *RunsCompareCommand) Run(args []string) int {
	args, ok := c.parseArgs(c.flagSet("runs compare"), args)
	if !ok {
		return cli.RunResultHelp
	}
	if len(args) < 2 {
		c.errorf("mltf runs compare takes two or more run ids")
		return 1
	}
	return c.withTracking(func(ctx context.Context, ts *tracking.Store) int {
		var runs []tracking.Run
		for _, id := range args {
			r, err := findRun(ctx, ts, id)
			if err != nil {
				c.errorf("%s", err)
				return 1
			}
			runs = append(runs, c.current(r))
		}
		views.RunsCompare(c.Stdout, runs)
		return 0
	})
}

// RunsPlotCommand is mltf runs plot.
type RunsPlotCommand struct{ Meta }

func (c *RunsPlotCommand) Synopsis() string { return "Draw metric curves to a PNG or SVG" }
func (c *RunsPlotCommand) Help() string {
	return "Usage: mltf runs plot RUN... -metric NAME -o FILE\n\n  FILE ending in .svg gives SVG, otherwise PNG."
}
func (c *RunsPlotCommand) Run(args []string) int {
	var metric, out string
	fs := c.flagSet("runs plot")
	fs.StringVar(&metric, "metric", "", "metric name")
	fs.StringVar(&out, "o", "", "output file (.png or .svg)")
	args, ok := c.parseArgs(fs, args)
	if !ok {
		return cli.RunResultHelp
	}
	ids := args
	if len(ids) == 0 || metric == "" || out == "" {
		c.errorf("mltf runs plot takes run ids, -metric NAME and -o FILE")
		return 1
	}
	return c.withTracking(func(ctx context.Context, ts *tracking.Store) int {
		p := &views.Plot{Title: metric, XLabel: "step", YLabel: metric}
		for _, id := range ids {
			r, err := findRun(ctx, ts, id)
			if err != nil {
				c.errorf("%s", err)
				return 1
			}
			pts, err := ts.MetricHistory(ctx, r.ID, metric)
			if err != nil {
				c.errorf("%s", err)
				return 1
			}
			if len(pts) == 0 {
				names, _ := ts.MetricNames(ctx, r.ID)
				c.errorf("Run %s has no metric %q; it has: %s", views.ShortID(r.ID), metric, strings.Join(names, ", "))
				return 1
			}
			s := views.Series{Label: views.ShortID(r.ID) + " " + r.Address}
			for _, pt := range pts {
				s.Steps = append(s.Steps, float64(pt.Step))
				s.Vals = append(s.Vals, pt.Value)
			}
			views.SortSeries(&s)
			p.Series = append(p.Series, s)
		}
		if err := views.WritePicture(out, p); err != nil {
			c.errorf("Cannot write %s: %s", out, err)
			return 1
		}
		views.PictureWritten(c.Stdout, out, fmt.Sprintf("%d runs, metric %s", len(p.Series), metric))
		return 0
	})
}
