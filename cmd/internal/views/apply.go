package views

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state"
)

// Apply shows an apply as it happens: a line when a change starts and
// finishes, and for long-running changes (trainings) their progress — on a
// terminal one live line per running change, redrawn in place; elsewhere a
// plain line at most every Interval.
type Apply struct {
	w        io.Writer
	live     bool
	Interval time.Duration
	// Now is the clock of elapsed times; time.Now unless a test sets it.
	Now func() time.Time

	mu      sync.Mutex
	started map[string]time.Time
	status  map[string]string // live lines by address
	lastOut map[string]time.Time
	drawn   int

	sawMetrics map[string]bool
	clock      stepClock
}

// NewApply returns an apply view; live redraws lines in place.
func NewApply(w io.Writer, live bool) *Apply {
	return &Apply{w: w, live: live, Interval: 5 * time.Second, Now: time.Now,
		started: map[string]time.Time{}, status: map[string]string{}, lastOut: map[string]time.Time{}, sawMetrics: map[string]bool{}}
}

func verb(a plan.Action) (string, string) {
	switch a {
	case plan.Create:
		return "Creating...", "Creation complete"
	case plan.Update:
		return "Modifying...", "Modifications complete"
	case plan.Delete:
		return "Destroying...", "Destruction complete"
	case plan.DeleteThenCreate, plan.CreateThenDelete:
		return "Replacing...", "Replacement complete"
	}
	return "Working...", "Complete"
}

func (v *Apply) Started(c *plan.Change) {
	v.mu.Lock()
	defer v.mu.Unlock()
	addr := c.Key()
	v.started[addr] = v.Now()
	start, _ := verb(c.Action)
	if c.PriorStatus == "partial" {
		start = "Re-attaching to the running job..."
	}
	v.println(fmt.Sprintf("%s: %s", addr, start))
}

func (v *Apply) Event(c *plan.Change, ev providers.Event) {
	addr := c.Key()
	if ev.Type != providers.EventProgress || ev.Progress == nil {
		return
	}
	line := fmt.Sprintf("%s: %s", addr, ProgressText(ev.Progress, v.clock.eta(addr, ev.Progress)))
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.live {
		v.status[addr] = line
		v.redraw()
		return
	}
	// Off a terminal: a line at most every Interval, and at once when
	// the first metrics arrive.
	firstMetrics := len(ev.Progress.Metrics) > 0 && !v.sawMetrics[addr]
	if firstMetrics || v.Now().Sub(v.lastOut[addr]) >= v.Interval {
		v.lastOut[addr] = v.Now()
		if len(ev.Progress.Metrics) > 0 {
			v.sawMetrics[addr] = true
		}
		fmt.Fprintln(v.w, line)
	}
}

// ProgressText renders progress as "running [step 420/1000 loss=0.21, 12s
// elapsed, ETA 20s]"; eta is the estimated time left, 0 when not known.
func ProgressText(p *providers.Progress, eta time.Duration) string {
	var parts []string
	if p.Step > 0 {
		if p.Total > 0 {
			parts = append(parts, fmt.Sprintf("step %d/%d", p.Step, p.Total))
		} else {
			parts = append(parts, fmt.Sprintf("step %d", p.Step))
		}
	}
	if len(p.Metrics) > 0 {
		names := make([]string, 0, len(p.Metrics))
		for k := range p.Metrics {
			names = append(names, k)
		}
		sort.Strings(names)
		var ms []string
		for _, k := range names {
			ms = append(ms, fmt.Sprintf("%s=%.4g", k, p.Metrics[k]))
		}
		parts = append(parts, strings.Join(ms, " "))
	}
	if p.Elapsed > 0 {
		parts = append(parts, fmt.Sprintf("%s elapsed", p.Elapsed.Round(time.Second)))
		if eta > 0 {
			parts = append(parts, fmt.Sprintf("ETA %s", eta.Round(time.Second)))
		}
	}
	msg := p.Message
	if msg == "" {
		msg = "running"
	}
	if len(parts) == 0 {
		return msg
	}
	return fmt.Sprintf("%s [%s]", msg, strings.Join(parts, ", "))
}

func (v *Apply) Finished(c *plan.Change, diags hcl.Diagnostics) {
	v.mu.Lock()
	defer v.mu.Unlock()
	addr := c.Key()
	delete(v.status, addr)
	elapsed := v.Now().Sub(v.started[addr]).Round(time.Second)
	if plan.Detached(diags) {
		v.println(fmt.Sprintf("%s: detached, still running after %s (the next mltf apply re-attaches)", addr, elapsed))
		return
	}
	if diags.HasErrors() {
		v.println(fmt.Sprintf("%s: failed after %s", addr, elapsed))
		return
	}
	_, done := verb(c.Action)
	v.println(fmt.Sprintf("%s: %s after %s", addr, done, elapsed))
}

// println prints a permanent line above the live block.
func (v *Apply) println(s string) {
	if v.live && v.drawn > 0 {
		fmt.Fprintf(v.w, "\033[%dA\033[J", v.drawn)
		v.drawn = 0
	}
	fmt.Fprintln(v.w, s)
	if v.live {
		v.redraw()
	}
}

func (v *Apply) redraw() {
	if v.drawn > 0 {
		fmt.Fprintf(v.w, "\033[%dA\033[J", v.drawn)
	}
	keys := make([]string, 0, len(v.status))
	for k := range v.status {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintln(v.w, v.status[k])
	}
	v.drawn = len(keys)
}

// Prompt asks for approval of what is listed above; the answer is read by
// the command.
func (v *Apply) Prompt(destroy bool) {
	what := "apply these changes"
	if destroy {
		what = "destroy everything listed above"
	}
	fmt.Fprintf(v.w, "\nDo you want to %s?\n  Only 'yes' will be accepted.\n\n  Enter a value: ", what)
}

// Cancelled says the user did not approve.
func (v *Apply) Cancelled() { fmt.Fprintln(v.w, "\nApply cancelled.") }

// Approved separates the plan from the apply's progress.
func (v *Apply) Approved() { fmt.Fprintln(v.w) }

// Complete ends an apply that finished: the counts of what it did, then
// the outputs of the new state.
func (v *Apply) Complete(s plan.Summary, destroy bool, st *state.State) {
	if destroy {
		fmt.Fprintf(v.w, "\nDestroy complete! Resources: %d destroyed.\n", s.Destroy)
		return
	}
	fmt.Fprintf(v.w, "\nApply complete! Resources: %d added, %d changed, %d destroyed.\n", s.Add, s.Change, s.Destroy)
	v.Outputs(st)
}

// Outputs lists the state's outputs after an apply, when it has any.
func (v *Apply) Outputs(st *state.State) {
	if len(st.Outputs) == 0 {
		return
	}
	fmt.Fprintln(v.w, "\nOutputs:")
	Outputs(v.w, st)
}
