package views

import (
	"fmt"
	"io"
	"strings"

	"github.com/mltf/mltf/kinds/sweep"
)

// Sweep is one sweep instance of the state with its trials.
type Sweep struct {
	Addr  string
	State sweep.Private
}

// SweepsList renders mltf sweeps list: study, trials by state and the
// best value of each sweep.
func SweepsList(w io.Writer, all []Sweep) {
	listTable(w, all, "No sweeps in the state.", "SWEEP\tSTUDY\tTRIALS\tCOMPLETE\tPRUNED\tFAILED\tRUNNING\tBEST", func(s Sweep) string {
		sum := sweep.Summarize(s.State.Records, s.State.GoalOf())
		best := "-"
		if sum.Best != nil {
			best = fmt.Sprintf("%s %.4g (trial %d)", s.State.Metric, *sum.Best.Value, sum.Best.Number)
		}
		return fmt.Sprintf("%s\t%s\t%d/%d\t%d\t%d\t%d\t%d\t%s", s.Addr, ShortID(s.State.Spec.ID()), len(s.State.Records), s.State.Trials,
			sum.Done, sum.Pruned, sum.Failed, sum.Running, best)
	})
}

// SweepShow renders mltf sweeps show: the study, then the trials best
// first, with why failed ones failed.
func SweepShow(w io.Writer, s Sweep) {
	p := s.State
	sum := sweep.Summarize(p.Records, p.GoalOf())
	fmt.Fprintf(w, "%s: study %s, %s %s, sampler %s (seed %d)", s.Addr, ShortID(p.Spec.ID()), p.Goal, p.Metric, p.Spec.Sampler, p.Spec.Seed)
	if p.Spec.EarlyStopping != "" {
		fmt.Fprintf(w, ", early stopping %s", p.Spec.EarlyStopping)
	}
	fmt.Fprintf(w, "\n%d of %d trials: %d complete, %d pruned, %d failed, %d running\n\n",
		len(p.Records), p.Trials, sum.Done, sum.Pruned, sum.Failed, sum.Running)
	recs := p.Ranked()
	tw := table(w)
	head := []string{"TRIAL", "STATE", strings.ToUpper(p.Metric), "STEPS", "RUN"}
	head = append(head, p.Params...)
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
		row := []string{fmt.Sprint(r.Number), state, value, steps, ShortID(r.RunID)}
		for k := range p.Params {
			row = append(row, p.Param(r, k))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	for _, r := range recs {
		if r.State == "failed" && r.Detail != "" {
			fmt.Fprintf(w, "\ntrial %d failed: %s\n", r.Number, r.Detail)
		}
	}
}
