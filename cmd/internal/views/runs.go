package views

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mltf/mltf/state/tracking"
)

// RunsList renders mltf runs list, newest first as given. now is when a
// running run's duration ends.
func RunsList(w io.Writer, runs []tracking.Run, now time.Time) {
	tw := table(w)
	fmt.Fprintln(tw, "RUN\tSTATUS\tADDRESS\tSTARTED\tDURATION\tMETRICS")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", ShortID(r.ID), r.Status, r.Address, r.Started.Local().Format("2006-01-02 15:04"), Duration(r.Started, r.Finished, now), MetricsText(r.Metrics))
	}
	tw.Flush()
}

// RunShow renders mltf runs show: one run, experiment by name.
func RunShow(w io.Writer, r tracking.Run, experiment string, now time.Time) {
	tw := table(w)
	fmt.Fprintf(tw, "run\t%s\n", r.ID)
	fmt.Fprintf(tw, "status\t%s\n", r.Status)
	fmt.Fprintf(tw, "address\t%s (workspace %s)\n", r.Address, r.Workspace)
	fmt.Fprintf(tw, "experiment\t%s\n", experiment)
	fmt.Fprintf(tw, "fingerprint\t%s\n", r.Fingerprint)
	fmt.Fprintf(tw, "git commit\t%s%s\n", r.GitCommit, dirty(r.GitDirty))
	fmt.Fprintf(tw, "started\t%s\n", r.Started.Local().Format(time.RFC3339))
	if !r.Finished.IsZero() {
		fmt.Fprintf(tw, "finished\t%s (%s)\n", r.Finished.Local().Format(time.RFC3339), Duration(r.Started, r.Finished, now))
	}
	fmt.Fprintf(tw, "params\t%s\n", string(r.Params))
	fmt.Fprintf(tw, "metrics\t%s\n", MetricsText(r.Metrics))
	if len(r.Restarts) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.Restarts)) {
			parts = append(parts, fmt.Sprintf("%s=%d", k, r.Restarts[k]))
		}
		fmt.Fprintf(tw, "restarts\t%s\n", strings.Join(parts, " "))
	}
	fmt.Fprintf(tw, "artifacts\t%s\n", r.ArtifactURI)
	for _, k := range slices.Sorted(maps.Keys(r.Env)) {
		fmt.Fprintf(tw, "env.%s\t%s\n", k, r.Env[k])
	}
	tw.Flush()
}

// RunsCompare renders mltf runs compare: params (flattened to dotted
// names) and final metrics side by side, one column per run.
func RunsCompare(w io.Writer, runs []tracking.Run) {
	params := make([]map[string]any, len(runs))
	keys := map[string]bool{}
	mkeys := map[string]bool{}
	for i, r := range runs {
		params[i] = flattenJSON(r.Params)
		for k := range params[i] {
			keys[k] = true
		}
		for k := range r.Metrics {
			mkeys[k] = true
		}
	}
	tw := table(w)
	row := func(name string, cell func(i int) string) {
		cells := []string{name}
		for i := range runs {
			cells = append(cells, cell(i))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	row("", func(i int) string { return ShortID(runs[i].ID) })
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		row("params."+k, func(i int) string {
			if v, ok := params[i][k]; ok {
				return fmt.Sprint(v)
			}
			return "-"
		})
	}
	for _, k := range slices.Sorted(maps.Keys(mkeys)) {
		row("metrics."+k, func(i int) string {
			if v, ok := runs[i].Metrics[k]; ok {
				return fmt.Sprintf("%.4g", v)
			}
			return "-"
		})
	}
	row("status", func(i int) string { return runs[i].Status })
	tw.Flush()
}

// PictureWritten says where a plot went and what it shows.
func PictureWritten(w io.Writer, path, what string) {
	fmt.Fprintf(w, "Wrote %s (%s).\n", path, what)
}

// ShortID is the first 12 characters of an id, as lists print it.
func ShortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Duration is from started to finished, or to now while it runs; "-"
// before it started.
func Duration(started, finished, now time.Time) string {
	if started.IsZero() {
		return "-"
	}
	if finished.IsZero() {
		finished = now
	}
	return finished.Sub(started).Round(time.Second).String()
}

// MetricsText renders metrics as name=value pairs, by name.
func MetricsText(m map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%.4g", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// OrDash is s, or "-" when it is empty.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func dirty(d bool) string {
	if d {
		return " (dirty)"
	}
	return ""
}

// flattenJSON flattens a JSON object to dotted keys.
func flattenJSON(b []byte) map[string]any {
	ret := map[string]any{}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return ret
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, e := range m {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, e)
			}
			return
		}
		ret[prefix] = v
	}
	walk("", v)
	return ret
}
