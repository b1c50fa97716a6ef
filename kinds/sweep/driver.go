package sweep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mltf/mltf/kinds/sweep/search"
)

// Settings are what the driver needs of a sweep's configuration.
type Settings struct {
	Space     search.Space
	Metric    string
	Goal      search.Goal
	Target    *float64 // stop starting trials once a trial reaches it
	Sampler   string   // grid, random, tpe
	Seed      uint64
	Trials    int
	Parallel  int
	MaxFailed int
	// Rule is the early-stopping rule: "", "asha" or "median".
	Rule            string
	MinStep         int
	ReductionFactor int
	MaxStep         int // 0: the last step of the complete trials
}

// Study returns a new, empty study of the settings.
func (s Settings) Study() (*search.Study, error) {
	var sampler search.Sampler
	switch s.Sampler {
	case "grid":
		sampler = search.Grid()
	case "random":
		sampler = search.Random()
	case "tpe", "":
		sampler = search.TPE(search.TPEOptions{})
	default:
		return nil, fmt.Errorf("unknown sampler %q", s.Sampler)
	}
	var pruner search.Pruner
	switch s.Rule {
	case "asha":
		pruner = search.ASHA(search.ASHAOptions{MinStep: s.MinStep, ReductionFactor: s.ReductionFactor, MaxStep: s.MaxStep})
	case "median":
		pruner = search.Median(search.MedianOptions{MinStep: s.MinStep})
	case "":
	default:
		return nil, fmt.Errorf("unknown early-stopping rule %q", s.Rule)
	}
	return search.New(search.Options{Space: s.Space, Goal: s.Goal, Sampler: sampler, Pruner: pruner, Seed: s.Seed})
}

// Launcher starts trials' runs: the run flow, for a provider.
type Launcher interface {
	// Launch starts the run of trial number with params (coordinates in
	// the space). prior is the trial's record when an earlier apply
	// launched it: the launcher then re-attaches to its run, or returns
	// the run's end if it ended meanwhile.
	Launch(ctx context.Context, number int, params []float64, prior *Record) (TrialRun, error)
}

// TrialRun is a launched trial.
type TrialRun interface {
	RunID() string
	// Locator is what Launch needs to find the run again after a crash.
	Locator() []byte
	// Wait follows the run until it ends or ctx is done (the run then goes
	// on; Outcome.Status is ""). Metric points of rank 0 reach onMetric as
	// they come, from one goroutine.
	Wait(ctx context.Context, onMetric func(name string, step int64, value float64)) Outcome
	// Stop ends the run early: every rank of its gang is stopped.
	Stop(ctx context.Context) error
}

// Outcome is how a trial's run ended.
type Outcome struct {
	// Status is "finished", "failed" or "cancelled"; "" when the wait
	// stopped before the run ended.
	Status  string
	Metrics map[string]float64
	// Reused says the run is a finished run with the trial's fingerprint.
	Reused bool
	Detail string
}

// ErrTooManyFailed is wrapped by the error of a sweep whose failed trials
// exceeded max_failed.
var ErrTooManyFailed = errors.New("too many failed trials")

// Driver runs a sweep: it asks the study for trials, runs them Parallel at
// a time through the Launcher, reports their intermediate metrics to the
// pruner, stops the trials it prunes and records every change.
type Driver struct {
	Settings Settings
	Launcher Launcher
	// Save receives the records after every change, to keep in state: a
	// killed apply resumes from them.
	Save func([]Record)
	// Progress receives a line about each trial that starts or ends.
	Progress func(string)
	// StopGrace bounds how long stopping a pruned trial may take.
	StopGrace time.Duration
}

type message struct {
	n      int
	run    TrialRun
	err    error
	metric *search.Point
	out    *Outcome
}

// Run continues the sweep from the recorded trials prior (none for a new
// study) until it has its trials, a trial reached the target, more than
// MaxFailed trials failed (ErrTooManyFailed), or ctx is done (running trials
// go on and stay recorded as running, for the next Run to re-attach). It
// returns the records as they ended.
func (d *Driver) Run(ctx context.Context, prior []Record) ([]Record, error) {
	set := d.Settings
	st, err := set.Study()
	if err != nil {
		return prior, err
	}
	hist, err := trials(prior)
	if err == nil {
		err = st.Restore(hist)
	}
	if err != nil {
		return prior, fmt.Errorf("the recorded trials do not fit the sweep: %w", err)
	}
	recs := append([]Record(nil), prior...)
	save := func() {
		if d.Save != nil {
			d.Save(append([]Record(nil), recs...))
		}
	}
	say := func(format string, args ...any) {
		if d.Progress != nil {
			d.Progress(fmt.Sprintf(format, args...))
		}
	}

	ch := make(chan message)
	runs := map[int]TrialRun{}
	active := 0
	start := func(n int, prior *Record) {
		active++
		params := recs[n].Params
		go func() {
			run, err := d.Launcher.Launch(ctx, n, params, prior)
			if err != nil {
				ch <- message{n: n, err: err}
				return
			}
			ch <- message{n: n, run: run}
			out := run.Wait(ctx, func(name string, step int64, v float64) {
				if name == set.Metric {
					ch <- message{n: n, metric: &search.Point{Step: int(step), Value: v}}
				}
			})
			ch <- message{n: n, out: &out}
		}()
	}
	failed, reached := 0, false
	for _, r := range recs {
		switch {
		case r.State == "failed":
			failed++
		case r.State == "complete" && set.Target != nil && !better(*set.Target, *r.Value, set.Goal):
			reached = true
		}
	}
	var stopErr error
	if failed > set.MaxFailed {
		stopErr = fmt.Errorf("%w: %d trials failed, max_failed is %d", ErrTooManyFailed, failed, set.MaxFailed)
	}
	for _, r := range recs {
		if r.State == "running" {
			prior := r
			start(r.Number, &prior)
		}
	}
	for {
		for stopErr == nil && !reached && ctx.Err() == nil && active < max(set.Parallel, 1) && len(recs) < set.Trials {
			t, ok := st.Ask()
			if !ok {
				break // a grid with no point left
			}
			recs = append(recs, Record{Number: t.Number, Params: t.Params, State: "running"})
			save()
			start(t.Number, nil)
		}
		if active == 0 {
			break
		}
		m := <-ch
		r := &recs[m.n]
		switch {
		case m.err != nil:
			active--
			if ctx.Err() != nil {
				continue // interrupted before it started: started again next time
			}
			d.fail(st, r, m.err.Error())
			failed++
			say("trial %d failed: %s", m.n, m.err)
		case m.run != nil:
			runs[m.n] = m.run
			if r.RunID != m.run.RunID() {
				r.RunID, r.Locator = m.run.RunID(), m.run.Locator()
				save()
			}
			say("trial %d running (run %s)", m.n, short(r.RunID))
		case m.metric != nil:
			if r.State != "running" {
				continue
			}
			prune, err := st.Report(m.n, m.metric.Step, m.metric.Value)
			if err != nil {
				continue // a NaN: not a point the pruner can use
			}
			t, _ := st.Trial(m.n)
			r.Points = t.Points
			if prune {
				st.Tell(m.n, search.Pruned, 0)
				t, _ := st.Trial(m.n)
				r.State, r.Value = "pruned", ptr(t.Value)
				say("trial %d pruned at step %d (%s %v)", m.n, m.metric.Step, set.Metric, m.metric.Value)
				go runs[m.n].Stop(context.WithoutCancel(ctx))
			}
			save()
		case m.out != nil:
			active--
			out := m.out
			if out.Status == "" {
				continue // detached: the run goes on
			}
			r.Metrics, r.Reused = out.Metrics, out.Reused
			switch {
			case r.State != "running":
				// Pruned: the run was stopped.
			case out.Status != "finished":
				d.fail(st, r, firstNonEmpty(out.Detail, "run "+out.Status))
				failed++
				say("trial %d %s", m.n, out.Status)
			default:
				v, ok := out.Metrics[set.Metric]
				if !ok {
					d.fail(st, r, fmt.Sprintf("the run finished without reporting %s", set.Metric))
					failed++
					say("trial %d finished without reporting %s", m.n, set.Metric)
					break
				}
				st.Tell(m.n, search.Complete, v)
				r.State, r.Value = "complete", ptr(v)
				say("trial %d complete: %s %v", m.n, set.Metric, v)
				if set.Target != nil && !better(*set.Target, v, set.Goal) {
					reached = true
				}
			}
			save()
		}
		if stopErr == nil && failed > set.MaxFailed {
			stopErr = fmt.Errorf("%w: %d trials failed, max_failed is %d", ErrTooManyFailed, failed, set.MaxFailed)
		}
	}
	if stopErr != nil {
		return recs, stopErr
	}
	return recs, ctx.Err()
}

func (d *Driver) fail(st *search.Study, r *Record, detail string) {
	st.Tell(r.Number, search.Failed, 0)
	r.State, r.Detail, r.Value = "failed", detail, nil
}

func ptr(v float64) *float64 { return &v }

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
