package views

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mltf/mltf/kinds/pipeline"
	"github.com/mltf/mltf/kinds/training"
)

// Pipeline is one pipeline instance of the state with what its last
// applies recorded.
type Pipeline struct {
	Addr  string
	State pipeline.Private
}

// Steps are the pipeline's step names in order: the recorded order, then
// any others by name.
func (p Pipeline) Steps() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range p.State.Order {
		if _, ok := p.State.Steps[n]; ok && !seen[n] {
			out, seen[n] = append(out, n), true
		}
	}
	for _, n := range training.SortedKeys(p.State.Steps) {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}

// PipelinesList renders mltf pipelines list: steps by status and the
// last apply of each pipeline.
func PipelinesList(w io.Writer, all []Pipeline) {
	listTable(w, all, "No pipelines in the state.", "PIPELINE\tSTEPS\tFINISHED\tFAILED\tRUNNING\tSKIPPED\tLAST APPLY", func(p Pipeline) string {
		n := map[string]int{}
		for _, r := range p.State.Steps {
			n[r.Status]++
		}
		last := "-"
		if k := len(p.State.Applies); k > 0 {
			last = describeApply(p.State.Applies[k-1])
		}
		return fmt.Sprintf("%s\t%d\t%d\t%d\t%d\t%d\t%s", p.Addr, len(p.State.Steps), n[pipeline.StatusFinished], n[pipeline.StatusFailed],
			n[pipeline.StatusRunning], n[pipeline.StatusSkipped], last)
	})
}

func describeApply(a pipeline.Apply) string {
	s := fmt.Sprintf("%s %s: %d ran, %d cached, %d failed", a.Started.Local().Format("2006-01-02 15:04"), a.Status, a.Ran, a.Cached, a.Failed)
	if a.ScheduledTime != "" {
		s += " (scheduled " + a.ScheduledTime + ")"
	}
	return s
}

// PipelineShow renders mltf pipelines show: the steps in order, why the
// failed and skipped ones stopped, and the last applies, newest first.
func PipelineShow(w io.Writer, p Pipeline) {
	fmt.Fprintf(w, "%s: %d steps\n\n", p.Addr, len(p.State.Steps))
	tw := table(w)
	fmt.Fprintln(tw, "STEP\tSTATUS\tCACHED\tRUN\tDURATION\tKEY\tOUTPUTS")
	for _, n := range p.Steps() {
		r := p.State.Steps[n]
		cached, dur := "no", "-"
		if r.Cached {
			cached = "yes"
		}
		if d := r.Duration(); d > 0 {
			dur = d.Round(10 * time.Millisecond).String()
		}
		var outs []string
		for _, f := range training.SortedKeys(r.Outputs) {
			outs = append(outs, f+" "+ShortID(r.Outputs[f]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n, r.Status, cached, OrDash(ShortID(r.RunID)), dur, OrDash(ShortID(r.Key)), OrDash(strings.Join(outs, ", ")))
	}
	tw.Flush()
	for _, n := range p.Steps() {
		if r := p.State.Steps[n]; r.Detail != "" && (r.Status == pipeline.StatusFailed || r.Status == pipeline.StatusSkipped) {
			fmt.Fprintf(w, "\nstep %s %s: %s\n", n, r.Status, r.Detail)
		}
	}
	if len(p.State.Applies) == 0 {
		return
	}
	fmt.Fprintf(w, "\nLast applies:\n")
	tw = table(w)
	fmt.Fprintln(tw, "STARTED\tSCHEDULED\tSTATUS\tRAN\tCACHED\tFAILED\tDURATION")
	for k := len(p.State.Applies) - 1; k >= 0; k-- {
		a := p.State.Applies[k]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", a.Started.Local().Format("2006-01-02 15:04:05"), OrDash(a.ScheduledTime), a.Status,
			a.Ran, a.Cached, a.Failed, a.Finished.Sub(a.Started).Round(10*time.Millisecond))
	}
	tw.Flush()
}
