package command

import (
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/kinds/sweep"
)

// SweepsCommand is mltf sweeps, which lists its subcommands.
type SweepsCommand struct{ Meta }

func (c *SweepsCommand) Synopsis() string { return "Inspect hyperparameter sweeps and their trials" }
func (c *SweepsCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf sweeps <subcommand>

  list                    sweeps of the state: study, trials by state, best value
  show NAME               a sweep's trials, best first; pruned and failed marked
  plot NAME -o FILE       the objective by trial with the best so far, and the
                          parameters against the objective (PNG or SVG by FILE's extension)

NAME is the sweep's name (digits) or address (sweep.digits, sweep.digits[0]).
`)
}
func (c *SweepsCommand) Run(args []string) int { return cli.RunResultHelp }

// sweeps reads the sweeps of the current state, by address.
func (m *Meta) sweeps() ([]views.Sweep, bool) {
	all, ok := m.instancesOf("sweep")
	if !ok {
		return nil, false
	}
	out := make([]views.Sweep, 0, len(all))
	for _, in := range all {
		p, err := sweep.DecodePrivate(in.private)
		if err != nil {
			m.errorf("%s: %s", in.addr, err)
			return nil, false
		}
		out = append(out, views.Sweep{Addr: in.addr, State: p})
	}
	return out, true
}

// findSweep resolves NAME among the state's sweeps.
func (m *Meta) findSweep(name string) (views.Sweep, bool) {
	all, ok := m.sweeps()
	if !ok {
		return views.Sweep{}, false
	}
	return findByName(m, "sweep", name, all, func(s views.Sweep) string { return s.Addr })
}

// findByName resolves NAME (a name or an address) among the state's
// resources of kind, saying which it has when none matches.
func findByName[T any](m *Meta, kind, name string, all []T, addr func(T) string) (T, bool) {
	var names []string
	for _, x := range all {
		if a := addr(x); a == name || a == kind+"."+name {
			return x, true
		}
		names = append(names, addr(x))
	}
	if len(names) == 0 {
		m.errorf("No %s %q: the state has no %ss; declare one and run mltf apply", kind, name, kind)
	} else {
		m.errorf("No %s %q in the state; it has: %s", kind, name, strings.Join(names, ", "))
	}
	var zero T
	return zero, false
}

// SweepsListCommand is mltf sweeps list.
type SweepsListCommand struct{ Meta }

func (c *SweepsListCommand) Synopsis() string { return "List sweeps" }
func (c *SweepsListCommand) Help() string     { return "Usage: mltf sweeps list" }
func (c *SweepsListCommand) Run(args []string) int {
	if !c.parseNoArgs(c.flagSet("sweeps list"), args) {
		return cli.RunResultHelp
	}
	all, ok := c.sweeps()
	if !ok {
		return 1
	}
	views.SweepsList(c.Stdout, all)
	return 0
}

// SweepsShowCommand is mltf sweeps show.
type SweepsShowCommand struct{ Meta }

func (c *SweepsShowCommand) Synopsis() string { return "Show a sweep's trials, best first" }
func (c *SweepsShowCommand) Help() string     { return "Usage: mltf sweeps show NAME" }
func (c *SweepsShowCommand) Run(args []string) int {
	name, ok := c.parseWithName(c.flagSet("sweeps show"), args, "mltf sweeps show takes the name of a sweep")
	if !ok {
		return cli.RunResultHelp
	}
	s, ok := c.findSweep(name)
	if !ok {
		return 1
	}
	views.SweepShow(c.Stdout, s)
	return 0
}

// SweepsPlotCommand is mltf sweeps plot.
type SweepsPlotCommand struct{ Meta }

func (c *SweepsPlotCommand) Synopsis() string { return "Plot a sweep's trials as PNG or SVG" }
func (c *SweepsPlotCommand) Help() string     { return "Usage: mltf sweeps plot NAME -o FILE.png|FILE.svg" }
func (c *SweepsPlotCommand) Run(args []string) int {
	var out string
	fs := c.flagSet("sweeps plot")
	fs.StringVar(&out, "o", "", "output file (.png or .svg)")
	name, ok := c.parseWithName(fs, args, "mltf sweeps plot takes the name of a sweep and -o FILE (.png or .svg)")
	if !ok {
		return cli.RunResultHelp
	}
	if out == "" {
		c.errorf("mltf sweeps plot takes -o FILE (.png or .svg)")
		return 1
	}
	s, ok := c.findSweep(name)
	if !ok {
		return 1
	}
	p := s.State
	plot := &views.SweepPlot{Title: fmt.Sprintf("%s: %d trials", s.Addr, len(p.Records)), Metric: p.Metric, Maximize: p.GoalOf().String() == "maximize"}
	for k, n := range p.Params {
		par := views.SweepParam{Name: n, Log: k < len(p.Spec.Params) && strings.Contains(p.Spec.Params[k], " log_uniform ")}
		for _, v := range p.Values[n] {
			par.Labels = append(par.Labels, string(v))
		}
		plot.Params = append(plot.Params, par)
	}
	for _, r := range p.Records {
		t := views.SweepTrial{Number: r.Number, State: r.State, Params: r.Params}
		if r.Value != nil && !math.IsNaN(*r.Value) {
			t.Value, t.HasVal = *r.Value, true
		}
		plot.Trials = append(plot.Trials, t)
	}
	if err := views.WritePicture(out, plot); err != nil {
		c.errorf("Cannot write %s: %s", out, err)
		return 1
	}
	views.PictureWritten(c.Stdout, out, fmt.Sprintf("%d trials of %s", len(p.Records), s.Addr))
	return 0
}
