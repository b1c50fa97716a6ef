package command

import (
	"fmt"
	"math"
	"strings"
	"text/tabwriter"

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

// sweepInstance is one sweep instance of the state with its trials.
type sweepInstance struct {
	addr string
	priv sweep.Private
}

// sweeps reads the sweeps of the current state, by address.
func (m *Meta) sweeps() ([]sweepInstance, bool) {
	all, ok := m.instancesOf("sweep")
	if !ok {
		return nil, false
	}
	out := make([]sweepInstance, 0, len(all))
	for _, in := range all {
		p, err := sweep.DecodePrivate(in.private)
		if err != nil {
			m.errorf("%s: %s", in.addr, err)
			return nil, false
		}
		out = append(out, sweepInstance{addr: in.addr, priv: p})
	}
	return out, true
}

// findSweep resolves NAME among the state's sweeps.
func (m *Meta) findSweep(name string) (sweepInstance, bool) {
	all, ok := m.sweeps()
	if !ok {
		return sweepInstance{}, false
	}
	return findByName(m, "sweep", name, all, func(s sweepInstance) string { return s.addr })
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
	if len(all) == 0 {
		fmt.Fprintln(c.Stdout, "No sweeps in the state.")
		return 0
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SWEEP\tSTUDY\tTRIALS\tCOMPLETE\tPRUNED\tFAILED\tRUNNING\tBEST")
	for _, s := range all {
		sum := sweep.Summarize(s.priv.Records, s.priv.GoalOf())
		best := "-"
		if sum.Best != nil {
			best = fmt.Sprintf("%s %.4g (trial %d)", s.priv.Metric, *sum.Best.Value, sum.Best.Number)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%d\t%d\t%d\t%d\t%s\n", s.addr, views.ShortID(s.priv.Spec.ID()), len(s.priv.Records), s.priv.Trials,
			sum.Done, sum.Pruned, sum.Failed, sum.Running, best)
	}
	tw.Flush()
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
	p := s.priv
	sum := sweep.Summarize(p.Records, p.GoalOf())
	fmt.Fprintf(c.Stdout, "%s: study %s, %s %s, sampler %s (seed %d)", s.addr, views.ShortID(p.Spec.ID()), p.Goal, p.Metric, p.Spec.Sampler, p.Spec.Seed)
	if p.Spec.EarlyStopping != "" {
		fmt.Fprintf(c.Stdout, ", early stopping %s", p.Spec.EarlyStopping)
	}
	fmt.Fprintf(c.Stdout, "\n%d of %d trials: %d complete, %d pruned, %d failed, %d running\n\n",
		len(p.Records), p.Trials, sum.Done, sum.Pruned, sum.Failed, sum.Running)
	recs := p.Ranked()
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	head := []string{"TRIAL", "STATE", strings.ToUpper(p.Metric), "STEPS", "RUN"}
	for _, n := range p.Params {
		head = append(head, n)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range recs {
		value := "-"
		if r.Value != nil {
			value = fmt.Sprintf("%.4g", *r.Value)
		}
		state := r.State
		var marks []string
		if sum.Best != nil && r.Number == sum.Best.Number {
			marks = append(marks, "best")
		}
		if r.Reused {
			marks = append(marks, "reused")
		}
		if len(marks) > 0 {
			state += " (" + strings.Join(marks, ", ") + ")"
		}
		steps := "-"
		if len(r.Points) > 0 {
			steps = fmt.Sprint(r.Points[len(r.Points)-1].Step)
		}
		row := []string{fmt.Sprint(r.Number), state, value, steps, views.ShortID(r.RunID)}
		for k := range p.Params {
			row = append(row, p.Param(r, k))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	for _, r := range recs {
		if r.State == "failed" && r.Detail != "" {
			fmt.Fprintf(c.Stdout, "\ntrial %d failed: %s", r.Number, r.Detail)
		}
	}
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
	p := s.priv
	plot := &views.SweepPlot{Title: fmt.Sprintf("%s: %d trials", s.addr, len(p.Records)), Metric: p.Metric, Maximize: p.GoalOf().String() == "maximize"}
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
	views.PictureWritten(c.Stdout, out, fmt.Sprintf("%d trials of %s", len(p.Records), s.addr))
	return 0
}
