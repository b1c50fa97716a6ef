package command

import (
	"encoding/json"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/state"
)

// DatasetsCommand is mltf datasets.
type DatasetsCommand struct{ Meta }

func (c *DatasetsCommand) Synopsis() string { return "Inspect datasets: versions, statistics, drift" }
func (c *DatasetsCommand) Help() string {
	return "Usage: mltf datasets <list|show NAME [-json]>\n\n  Shows what the last apply recorded of each dataset."
}
func (c *DatasetsCommand) Run(args []string) int { return cli.RunResultHelp }

// datasetAttrs returns the recorded attributes of the dataset instances in
// st, by instance address, with dynamic values unwrapped.
func datasetAttrs(st *state.State) map[string]map[string]any {
	out := map[string]map[string]any{}
	for addr, r := range st.Resources {
		if r.Kind != "dataset" {
			continue
		}
		for key, inst := range r.Instances {
			var m map[string]any
			if json.Unmarshal(inst.Attributes, &m) != nil {
				continue
			}
			for k, v := range m {
				m[k] = state.UnwrapDynamic(v)
			}
			out[state.InstanceAddr(addr, key)] = m
		}
	}
	return out
}

// DatasetsListCommand is mltf datasets list.
type DatasetsListCommand struct{ Meta }

func (c *DatasetsListCommand) Synopsis() string { return "List datasets with their versions" }
func (c *DatasetsListCommand) Help() string     { return "Usage: mltf datasets list" }
func (c *DatasetsListCommand) Run(args []string) int {
	if !c.parseNoArgs(c.flagSet("datasets list"), args) {
		return cli.RunResultHelp
	}
	st, ok := c.currentState()
	if !ok {
		return 1
	}
	views.DatasetsList(c.Stdout, datasetAttrs(st))
	return 0
}

// DatasetsShowCommand is mltf datasets show.
type DatasetsShowCommand struct{ Meta }

func (c *DatasetsShowCommand) Synopsis() string {
	return "Show a dataset's version, statistics and drift"
}
func (c *DatasetsShowCommand) Help() string { return "Usage: mltf datasets show [-json] NAME" }
func (c *DatasetsShowCommand) Run(args []string) int {
	var asJSON bool
	fs := c.flagSet("datasets show")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	name, ok := c.parseWithName(fs, args, "mltf datasets show takes a dataset name, such as digits")
	if !ok {
		return cli.RunResultHelp
	}
	st, ok := c.currentState()
	if !ok {
		return 1
	}
	addr := name
	if !strings.HasPrefix(addr, "dataset.") {
		addr = "dataset." + name
	}
	all := datasetAttrs(st)
	m, ok := all[addr]
	if !ok {
		c.errorf("No dataset %q in the state\n\nApply the configuration first; mltf datasets list shows what there is.", name)
		return 1
	}
	if asJSON {
		views.DatasetJSON(c.Stdout, addr, m)
		return 0
	}
	views.DatasetShow(c.Stdout, addr, m)
	return 0
}
