package command

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/kinds/pipeline"
	"github.com/mltf/mltf/kinds/training"
)

// PipelinesCommand is mltf pipelines, which lists its subcommands.
type PipelinesCommand struct{ Meta }

func (c *PipelinesCommand) Synopsis() string {
	return "Inspect pipelines, their steps and their last runs"
}
func (c *PipelinesCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf pipelines <subcommand>

  list                    pipelines of the state: steps by status, the last apply
  show NAME               a pipeline's steps in order (status, cache hit, run,
                          duration) and its last applies, scheduled ones with
                          their scheduled time

NAME is the pipeline's name (features) or address (pipeline.features).
`)
}
func (c *PipelinesCommand) Run(args []string) int { return cli.RunResultHelp }

// pipelineInstance is one pipeline instance of the state with its steps.
type pipelineInstance struct {
	addr string
	priv pipeline.Private
}

func (m *Meta) pipelines() ([]pipelineInstance, bool) {
	all, ok := m.instancesOf("pipeline")
	if !ok {
		return nil, false
	}
	out := make([]pipelineInstance, 0, len(all))
	for _, in := range all {
		p, err := pipeline.DecodePrivate(in.private)
		if err != nil {
			m.errorf("%s: %s", in.addr, err)
			return nil, false
		}
		out = append(out, pipelineInstance{addr: in.addr, priv: p})
	}
	return out, true
}

// steps are a pipeline's step names in order (recorded order, then any
// others by name).
func (p pipelineInstance) steps() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range p.priv.Order {
		if _, ok := p.priv.Steps[n]; ok && !seen[n] {
			out, seen[n] = append(out, n), true
		}
	}
	for _, n := range training.SortedKeys(p.priv.Steps) {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}

// PipelinesListCommand is mltf pipelines list.
type PipelinesListCommand struct{ Meta }

func (c *PipelinesListCommand) Synopsis() string { return "List pipelines" }
func (c *PipelinesListCommand) Help() string     { return "Usage: mltf pipelines list" }
func (c *PipelinesListCommand) Run(args []string) int {
	if !c.parseNoArgs(c.flagSet("pipelines list"), args) {
		return cli.RunResultHelp
	}
	all, ok := c.pipelines()
	if !ok {
		return 1
	}
	if len(all) == 0 {
		fmt.Fprintln(c.Stdout, "No pipelines in the state.")
		return 0
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PIPELINE\tSTEPS\tFINISHED\tFAILED\tRUNNING\tSKIPPED\tLAST APPLY")
	for _, p := range all {
		n := map[string]int{}
		for _, r := range p.priv.Steps {
			n[r.Status]++
		}
		last := "-"
		if k := len(p.priv.Applies); k > 0 {
			last = describeApply(p.priv.Applies[k-1])
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\n", p.addr, len(p.priv.Steps), n[pipeline.StatusFinished], n[pipeline.StatusFailed],
			n[pipeline.StatusRunning], n[pipeline.StatusSkipped], last)
	}
	tw.Flush()
	return 0
}

func describeApply(a pipeline.Apply) string {
	s := fmt.Sprintf("%s %s: %d ran, %d cached, %d failed", a.Started.Local().Format("2006-01-02 15:04"), a.Status, a.Ran, a.Cached, a.Failed)
	if a.ScheduledTime != "" {
		s += " (scheduled " + a.ScheduledTime + ")"
	}
	return s
}

// PipelinesShowCommand is mltf pipelines show.
type PipelinesShowCommand struct{ Meta }

func (c *PipelinesShowCommand) Synopsis() string { return "Show a pipeline's steps and last applies" }
func (c *PipelinesShowCommand) Help() string     { return "Usage: mltf pipelines show NAME" }
func (c *PipelinesShowCommand) Run(args []string) int {
	name, ok := c.parseWithName(c.flagSet("pipelines show"), args, "mltf pipelines show takes the name of a pipeline")
	if !ok {
		return cli.RunResultHelp
	}
	all, ok := c.pipelines()
	if !ok {
		return 1
	}
	p, ok := findByName(&c.Meta, "pipeline", name, all, func(p pipelineInstance) string { return p.addr })
	if !ok {
		return 1
	}
	fmt.Fprintf(c.Stdout, "%s: %d steps\n\n", p.addr, len(p.priv.Steps))
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATUS\tCACHED\tRUN\tDURATION\tKEY\tOUTPUTS")
	for _, n := range p.steps() {
		r := p.priv.Steps[n]
		cached, dur := "no", "-"
		if r.Cached {
			cached = "yes"
		}
		if d := r.Duration(); d > 0 {
			dur = d.Round(10 * time.Millisecond).String()
		}
		var outs []string
		for _, f := range training.SortedKeys(r.Outputs) {
			outs = append(outs, f+" "+views.ShortID(r.Outputs[f]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n, r.Status, cached, views.OrDash(views.ShortID(r.RunID)), dur, views.OrDash(views.ShortID(r.Key)), views.OrDash(strings.Join(outs, ", ")))
	}
	tw.Flush()
	for _, n := range p.steps() {
		if r := p.priv.Steps[n]; r.Detail != "" && (r.Status == pipeline.StatusFailed || r.Status == pipeline.StatusSkipped) {
			fmt.Fprintf(c.Stdout, "\nstep %s %s: %s\n", n, r.Status, r.Detail)
		}
	}
	if len(p.priv.Applies) > 0 {
		fmt.Fprintf(c.Stdout, "\nLast applies:\n")
		tw = tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STARTED\tSCHEDULED\tSTATUS\tRAN\tCACHED\tFAILED\tDURATION")
		for k := len(p.priv.Applies) - 1; k >= 0; k-- {
			a := p.priv.Applies[k]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", a.Started.Local().Format("2006-01-02 15:04:05"), views.OrDash(a.ScheduledTime), a.Status,
				a.Ran, a.Cached, a.Failed, a.Finished.Sub(a.Started).Round(10*time.Millisecond))
		}
		tw.Flush()
	}
	return 0
}
