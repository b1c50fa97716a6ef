package command

import (
	"encoding/json"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
)

// OutputCommand is mltf output.
type OutputCommand struct{ Meta }

func (c *OutputCommand) Synopsis() string { return "Show output values from the state" }

func (c *OutputCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf [global options] output [options] [NAME]

  Prints the outputs recorded by the last apply, or one of them. Sensitive
  outputs print as (sensitive value) unless -raw or -json asks for them.

Options:
  -json    Print as JSON (sensitive values included).
  -raw     Print a string, number or bool output without quotes, for scripts
           (sensitive values included).
`)
}

func (c *OutputCommand) Run(args []string) int {
	var asJSON, raw bool
	fs := c.flagSet("output")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	fs.BoolVar(&raw, "raw", false, "raw output")
	args, ok := c.parseArgs(fs, args)
	if !ok {
		return cli.RunResultHelp
	}
	st, ok := c.currentState()
	if !ok {
		return 1
	}
	if len(args) == 1 {
		name := args[0]
		o, ok := st.Outputs[name]
		if !ok {
			c.errorf("Output %q not found\n\nThe state has no output %q. Declare it with an output block and apply; mltf output lists what there is.", name, name)
			return 1
		}
		v, err := views.OutputValue(o)
		if err != nil {
			c.errorf("Cannot decode output %q: %s", name, err)
			return 1
		}
		if raw {
			if !views.RawOutput(c.Stdout, v) {
				c.errorf("Unsupported value for raw output\n\nThe -raw option prints strings, numbers and bools; %q is a %s. Use -json.", name, v.Type().FriendlyName())
				return 1
			}
			return 0
		}
		views.OutputOne(c.Stdout, o, v, asJSON)
		return 0
	}
	if asJSON {
		out := map[string]views.Output{}
		for name, o := range st.Outputs {
			out[name] = views.Output{Sensitive: o.Sensitive, Type: json.RawMessage(o.Type), Value: json.RawMessage(o.Value)}
		}
		views.OutputsJSON(c.Stdout, out)
		return 0
	}
	if len(st.Outputs) == 0 {
		views.NoOutputs(c.Stderr)
		return 0
	}
	views.Outputs(c.Stdout, st)
	return 0
}
