package schedule

import (
	"fmt"
	"sort"
	"time"
)

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Runner starts a scheduled run of a pipeline for a tick.
type Runner interface {
	Start(pipeline string, tick time.Time) (Running, error)
}

// Running is a run the Runner started.
type Running interface {
	// Done is closed when the run ended; Err then says how.
	Done() <-chan struct{}
	Err() error
	// Stop interrupts the run and waits for it to end.
	Stop()
}

// Scheduler runs due pipelines. Its state between passes is the Journal
// and the runs it started.
type Scheduler struct {
	Clock     Clock
	Runner    Runner
	Journal   *Journal
	Pipelines map[string]Schedule
	// Log receives a line for each decision; nil ignores them.
	Log func(string)

	running map[string][]started
}

type started struct {
	tick time.Time
	run  Running
}

func (s *Scheduler) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(fmt.Sprintf(format, args...))
	}
}

// Pass handles what is due at the clock's time: it records the runs that
// ended, then for each pipeline with a due tick applies its concurrency
// policy, claims the tick in the journal and starts its run. It returns
// the first error writing the journal (nothing is started then).
func (s *Scheduler) Pass() error {
	if s.running == nil {
		s.running = map[string][]started{}
	}
	now := s.Clock.Now()
	names := make([]string, 0, len(s.Pipelines))
	for n := range s.Pipelines {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		s.reap(name, now)
		sch := s.Pipelines[name]
		tick, missed, ok := sch.Due(s.Journal.Last(name), now)
		if missed == 0 {
			continue
		}
		r := Run{Tick: tick, Missed: missed}
		if !ok {
			r.Status, r.Detail = "skipped", fmt.Sprintf("%s late, past the starting deadline of %s", now.Sub(tick).Round(time.Second), sch.StartingDeadline)
			s.logf("%s: tick %s skipped: %s", name, tick.Format(time.RFC3339), r.Detail)
			if err := s.Journal.Claim(name, r); err != nil {
				return err
			}
			continue
		}
		if len(s.running[name]) > 0 {
			switch sch.Concurrency {
			case Forbid:
				r.Status, r.Detail = "skipped", "the previous run still goes on (concurrency forbid)"
				s.logf("%s: tick %s skipped: %s", name, tick.Format(time.RFC3339), r.Detail)
				if err := s.Journal.Claim(name, r); err != nil {
					return err
				}
				continue
			case Replace:
				for _, st := range s.running[name] {
					s.logf("%s: stopping the run of tick %s (concurrency replace)", name, st.tick.Format(time.RFC3339))
					st.run.Stop()
					s.Journal.Finish(name, st.tick, "replaced", "stopped for the tick "+tick.Format(time.RFC3339), s.Clock.Now())
				}
				s.running[name] = nil
			}
		}
		r.Status, r.Started = "running", now
		if err := s.Journal.Claim(name, r); err != nil {
			return err
		}
		run, err := s.Runner.Start(name, tick)
		if err != nil {
			s.logf("%s: tick %s: cannot start: %v", name, tick.Format(time.RFC3339), err)
			s.Journal.Finish(name, tick, "failed", err.Error(), s.Clock.Now())
			continue
		}
		if missed > 1 {
			s.logf("%s: running for tick %s (once for %d missed ticks)", name, tick.Format(time.RFC3339), missed)
		} else {
			s.logf("%s: running for tick %s", name, tick.Format(time.RFC3339))
		}
		s.running[name] = append(s.running[name], started{tick: tick, run: run})
	}
	return nil
}

// reap records the runs of name that ended.
func (s *Scheduler) reap(name string, now time.Time) {
	var still []started
	for _, st := range s.running[name] {
		select {
		case <-st.run.Done():
			status, detail := "finished", ""
			if err := st.run.Err(); err != nil {
				status, detail = "failed", err.Error()
			}
			s.logf("%s: run of tick %s %s", name, st.tick.Format(time.RFC3339), status)
			s.Journal.Finish(name, st.tick, status, detail, now)
		default:
			still = append(still, st)
		}
	}
	s.running[name] = still
}

// Running says how many runs of name the scheduler follows.
func (s *Scheduler) Running(name string) int { return len(s.running[name]) }

// Wait waits for every run the scheduler started and records them.
func (s *Scheduler) Wait() {
	for name, runs := range s.running {
		for _, st := range runs {
			<-st.run.Done()
		}
		s.reap(name, s.Clock.Now())
	}
}
