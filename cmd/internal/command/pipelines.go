package command

import (
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/kinds/pipeline"
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

func (m *Meta) pipelines() ([]views.Pipeline, bool) {
	all, ok := m.instancesOf("pipeline")
	if !ok {
		return nil, false
	}
	out := make([]views.Pipeline, 0, len(all))
	for _, in := range all {
		p, err := pipeline.DecodePrivate(in.private)
		if err != nil {
			m.errorf("%s: %s", in.addr, err)
			return nil, false
		}
		out = append(out, views.Pipeline{Addr: in.addr, State: p})
	}
	return out, true
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
	views.PipelinesList(c.Stdout, all)
	return 0
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
	p, ok := findByName(&c.Meta, "pipeline", name, all, func(p views.Pipeline) string { return p.Addr })
	if !ok {
		return 1
	}
	views.PipelineShow(c.Stdout, p)
	return 0
}
