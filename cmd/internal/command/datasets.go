package command

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/hashicorp/cli"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/lang/schema"
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
				m[k] = unwrapDynamic(v)
			}
			out[state.InstanceAddr(addr, key)] = m
		}
	}
	return out
}

// unwrapDynamic unwraps the dynamic values of decoded attributes.
func unwrapDynamic(v any) any { return state.UnwrapDynamic(v) }

// readableAttributes renders stored attributes as indented JSON with
// dynamic values unwrapped.
func readableAttributes(raw []byte, sensitive []cty.Path) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		if len(sensitive) > 0 {
			return "(sensitive value)"
		}
		return string(raw)
	}
	v = unwrapDynamic(v)
	for _, p := range sensitive {
		v = schema.HideJSON(v, p, "(sensitive value)")
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return string(raw)
	}
	return string(b)
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
	all := datasetAttrs(st)
	addrs := make([]string, 0, len(all))
	for a := range all {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATASET\tVERSION\tOBJECTS\tBYTES\tROWS\tFINGERPRINT")
	for _, a := range addrs {
		m := all[a]
		fmt.Fprintf(tw, "%s\t%v\t%v\t%s\t%v\t%s\n", a, num(m["version"]), num(m["object_count"]), bytesText(m["bytes"]), num(m["row_count"]), shortString(m["fingerprint"]))
	}
	tw.Flush()
	return 0
}

func num(v any) string {
	if f, ok := v.(float64); ok {
		return schema.FormatNumber(big.NewFloat(f))
	}
	if v == nil {
		return "-"
	}
	return fmt.Sprint(v)
}

func bytesText(v any) string {
	f, ok := v.(float64)
	if !ok {
		return "-"
	}
	// Decimal units, written as the data provider writes them ("12.3 kB").
	if f < 1000 {
		return fmt.Sprintf("%d B", int64(f))
	}
	units := []string{"kB", "MB", "GB", "TB", "PB"}
	i := 0
	for f /= 1000; f >= 1000 && i < len(units)-1; f /= 1000 {
		i++
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

func shortString(v any) string {
	s, _ := v.(string)
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
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
	fmt.Fprintf(c.Stdout, "%s\n  source       %v\n  version      %s\n  fingerprint  %v\n  objects      %s (%s)\n  rows         %s\n",
		addr, m["source"], num(m["version"]), m["fingerprint"], num(m["object_count"]), bytesText(m["bytes"]), num(m["row_count"]))
	if stats, ok := m["statistics"].(map[string]any); ok && len(stats) > 0 {
		fmt.Fprintln(c.Stdout, "\nStatistics:")
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  COLUMN\tCOUNT\tNULLS\tMIN\tMAX\tMEAN\tSTDDEV\tP50\tTOP")
		for _, col := range sortedAnyKeys(stats) {
			s, _ := stats[col].(map[string]any)
			q, _ := s["quantiles"].(map[string]any)
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", col, num(s["count"]), num(s["nulls"]), num(s["min"]), num(s["max"]), round(s["mean"]), round(s["stddev"]), num(q["p50"]), topText(s["top"]))
		}
		tw.Flush()
	}
	if drift, ok := m["drift_report"].(map[string]any); ok && len(drift) > 0 {
		writeDrift(c.Stdout, drift)
	}
	return 0
}

func round(v any) string {
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("%.4g", f)
	}
	return "-"
}

func topText(v any) string {
	switch t := v.(type) {
	case []any:
		var parts []string
		for i, e := range t {
			if i == 3 {
				parts = append(parts, "…")
				break
			}
			if m, ok := e.(map[string]any); ok {
				parts = append(parts, fmt.Sprintf("%v(%v)", m["value"], num(m["count"])))
			} else {
				parts = append(parts, fmt.Sprint(e))
			}
		}
		return strings.Join(parts, " ")
	case map[string]any:
		keys := sortedAnyKeys(t)
		var parts []string
		for i, k := range keys {
			if i == 3 {
				parts = append(parts, "…")
				break
			}
			parts = append(parts, fmt.Sprintf("%s(%v)", k, num(t[k])))
		}
		return strings.Join(parts, " ")
	}
	return "-"
}

func sortedAnyKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeDrift prints a drift report as a table of columns by PSI.
func writeDrift(w io.Writer, drift map[string]any) {
	fmt.Fprintf(w, "\nDrift against version %s: %v\n", num(drift["baseline_version"]), drift["verdict"])
	cols, _ := drift["columns"].(map[string]any)
	if len(cols) == 0 {
		fmt.Fprintln(w, "  no column could be compared with the baseline")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  COLUMN\tPSI\tTHRESHOLD\tVERDICT")
	for _, name := range sortedAnyKeys(cols) {
		col, _ := cols[name].(map[string]any)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%v\n", name, round(col["psi"]), num(col["threshold"]), col["verdict"])
	}
	tw.Flush()
}
