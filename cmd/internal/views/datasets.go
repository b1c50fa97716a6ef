package views

import (
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/mltf/mltf/lang/schema"
)

// A dataset, for these views, is the attributes the last apply recorded of
// it, decoded from state with dynamic values unwrapped.

// DatasetsList renders mltf datasets list: one row per dataset, by
// address.
func DatasetsList(w io.Writer, datasets map[string]map[string]any) {
	tw := table(w)
	fmt.Fprintln(tw, "DATASET\tVERSION\tOBJECTS\tBYTES\tROWS\tFINGERPRINT")
	for _, a := range slices.Sorted(maps.Keys(datasets)) {
		m := datasets[a]
		fmt.Fprintf(tw, "%s\t%v\t%v\t%s\t%v\t%s\n", a, num(m["version"]), num(m["object_count"]), bytesText(m["bytes"]), num(m["row_count"]), shortString(m["fingerprint"]))
	}
	tw.Flush()
}

// DatasetShow renders mltf datasets show: the version, its statistics per
// column and the drift against the baseline, as tables.
func DatasetShow(w io.Writer, addr string, m map[string]any) {
	fmt.Fprintf(w, "%s\n  source       %v\n  version      %s\n  fingerprint  %v\n  objects      %s (%s)\n  rows         %s\n",
		addr, m["source"], num(m["version"]), m["fingerprint"], num(m["object_count"]), bytesText(m["bytes"]), num(m["row_count"]))
	if stats, ok := m["statistics"].(map[string]any); ok && len(stats) > 0 {
		fmt.Fprintln(w, "\nStatistics:")
		tw := table(w)
		fmt.Fprintln(tw, "  COLUMN\tCOUNT\tNULLS\tMIN\tMAX\tMEAN\tSTDDEV\tP50\tTOP")
		for _, col := range slices.Sorted(maps.Keys(stats)) {
			s, _ := stats[col].(map[string]any)
			q, _ := s["quantiles"].(map[string]any)
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", col, num(s["count"]), num(s["nulls"]), num(s["min"]), num(s["max"]), round(s["mean"]), round(s["stddev"]), num(q["p50"]), topText(s["top"]))
		}
		tw.Flush()
	}
	if drift, ok := m["drift_report"].(map[string]any); ok && len(drift) > 0 {
		driftTable(w, drift)
	}
}

// driftTable renders a drift report as a table of columns by PSI.
func driftTable(w io.Writer, drift map[string]any) {
	fmt.Fprintf(w, "\nDrift against version %s: %v\n", num(drift["baseline_version"]), drift["verdict"])
	cols, _ := drift["columns"].(map[string]any)
	if len(cols) == 0 {
		fmt.Fprintln(w, "  no column could be compared with the baseline")
		return
	}
	tw := table(w)
	fmt.Fprintln(tw, "  COLUMN\tPSI\tTHRESHOLD\tVERDICT")
	for _, name := range slices.Sorted(maps.Keys(cols)) {
		col, _ := cols[name].(map[string]any)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%v\n", name, round(col["psi"]), num(col["threshold"]), col["verdict"])
	}
	tw.Flush()
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
		keys := slices.Sorted(maps.Keys(t))
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
