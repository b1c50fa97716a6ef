package views

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mltf/mltf/state/tracking"
)

// ModelsList renders mltf models list.
func ModelsList(w io.Writer, models []tracking.ModelSummary) {
	listTable(w, models, "No models in the registry yet: a model block registers one at apply.",
		"MODEL\tVERSIONS\tLATEST\tALIASES\tUPDATED", func(m tracking.ModelSummary) string {
			return fmt.Sprintf("%s\t%d\t%d\t%s\t%s", m.Name, m.Versions, m.Latest, AliasesText(m.Aliases), m.Updated.Local().Format("2006-01-02 15:04"))
		})
}

// AliasesText renders aliases as alias=version pairs, by alias; "-" for
// none.
func AliasesText(m map[string]int64) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, a := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", a, m[a]))
	}
	return strings.Join(parts, " ")
}

// ModelVersionShow renders mltf models show: the version and its lineage
// back to the run, the code and the data.
func ModelVersionShow(w io.Writer, v ModelVersion) {
	l := v.Lineage
	tw := table(w)
	fmt.Fprintf(tw, "model\t%s\n", v.Model)
	fmt.Fprintf(tw, "version\t%d\n", v.Version)
	fmt.Fprintf(tw, "aliases\t%s\n", OrDash(strings.Join(v.Aliases, ", ")))
	fmt.Fprintf(tw, "registered\t%s\n", v.Created.Local().Format(time.RFC3339))
	fmt.Fprintf(tw, "location\t%s\n", v.ArtifactURI)
	fmt.Fprintf(tw, "content hash\tsha256:%s\n", v.ContentHash)
	fmt.Fprintf(tw, "metrics\t%s\n", OrDash(MetricsText(v.Metrics)))
	fmt.Fprintln(tw, "lineage\t")
	fmt.Fprintf(tw, "  run\t%s (%s, workspace %s)\n", OrDash(v.RunID), OrDash(l.Address), OrDash(l.Workspace))
	if v.Run != nil {
		ended := ""
		if !v.Run.Finished.IsZero() {
			ended = " at " + v.Run.Finished.Local().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "  run status\t%s%s\n", v.Run.Status, ended)
	}
	fmt.Fprintf(tw, "  fingerprint\t%s\n", OrDash(l.Fingerprint))
	fmt.Fprintf(tw, "  code commit\t%s%s\n", OrDash(l.GitCommit), dirty(l.GitDirty))
	fmt.Fprintf(tw, "  params\t%s\n", OrDash(string(l.Params)))
	for _, name := range slices.Sorted(maps.Keys(l.Datasets)) {
		d := l.Datasets[name]
		extra := ""
		if d.Version != 0 {
			extra = fmt.Sprintf(", version %d", d.Version)
		}
		fp := "not fingerprinted"
		if d.Fingerprint != "" {
			fp = "fingerprint " + d.Fingerprint
		}
		fmt.Fprintf(tw, "  data.%s\t%s (%s%s)\n", name, d.Location, fp, extra)
	}
	fmt.Fprintf(tw, "  copied from\t%s\n", OrDash(l.SourceURI))
	for _, f := range l.Files {
		fmt.Fprintf(tw, "file\t%s  %d bytes  sha256:%s\n", f.Path, f.Size, f.SHA256)
	}
	tw.Flush()
}

// AliasHistory renders mltf models history of model name: every alias
// move, oldest first, with the gate results recorded with it.
func AliasHistory(w io.Writer, name string, moves []tracking.AliasMove) {
	listTable(w, moves, fmt.Sprintf("No alias of model %s has moved yet.", name),
		"WHEN\tWHO\tALIAS\tMOVE\tGATES", func(m tracking.AliasMove) string {
			lines := GateLines(m.Gates)
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", m.When.Local().Format("2006-01-02 15:04:05"), m.Who, m.Alias, MoveText(m), strings.Join(lines, "\n\t\t\t\t"))
		})
}

// MoveText renders an alias move: "1 -> 2", "stays at 1", "stays unset",
// "2 -> removed".
func MoveText(m tracking.AliasMove) string {
	v := func(n int64) string {
		if n == 0 {
			return "(unset)"
		}
		return strconv.FormatInt(n, 10)
	}
	switch {
	case m.From == m.To && m.From == 0:
		return "stays unset"
	case m.From == m.To:
		return "stays at " + v(m.From)
	case m.To == 0:
		return v(m.From) + " -> removed"
	}
	return v(m.From) + " -> " + v(m.To)
}

// GateLines renders the gate results recorded with a move, one per line.
func GateLines(raw json.RawMessage) []string {
	var entries []struct {
		Gate      *int   `json:"gate"`
		Passed    bool   `json:"passed"`
		Message   string `json:"message"`
		Values    string `json:"values"`
		Candidate int64  `json:"candidate"`
		Note      string `json:"note"`
	}
	if json.Unmarshal(raw, &entries) != nil || len(entries) == 0 {
		return []string{"-"}
	}
	var out []string
	for _, e := range entries {
		switch {
		case e.Note != "":
			out = append(out, e.Note)
		case e.Gate != nil:
			word := "holds"
			if !e.Passed {
				word = "FAILS: " + e.Message
			}
			s := fmt.Sprintf("v%d gate %d %s", e.Candidate, *e.Gate, word)
			if e.Values != "" {
				s += " (" + e.Values + ")"
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return []string{"-"}
	}
	return out
}
