package schedule

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

// fakeRun is a run that ends when the test says so.
type fakeRun struct {
	done    chan struct{}
	stopped bool
}

func (r *fakeRun) Done() <-chan struct{} { return r.done }
func (r *fakeRun) Err() error            { return nil }
func (r *fakeRun) Stop()                 { r.stopped = true; r.end() }
func (r *fakeRun) end() {
	select {
	case <-r.done:
	default:
		close(r.done)
	}
}

// fakeRunner records the runs it starts: the scheduler's neighbour.
type fakeRunner struct {
	mu    sync.Mutex
	ticks []string
	runs  []*fakeRun
}

func (f *fakeRunner) Start(pipeline string, tick time.Time) (Running, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &fakeRun{done: make(chan struct{})}
	f.ticks = append(f.ticks, pipeline+"@"+tick.UTC().Format(time.RFC3339))
	f.runs = append(f.runs, r)
	return r, nil
}

func newScheduler(t *testing.T, journal string, clock *fakeClock, runner Runner, sch Schedule) *Scheduler {
	t.Helper()
	j, err := OpenJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	return &Scheduler{Clock: clock, Runner: runner, Journal: j, Pipelines: map[string]Schedule{"pipeline.p": sch}}
}

func mustParse(t *testing.T, expr, tz, conc, deadline string) Schedule {
	t.Helper()
	s, err := Parse(expr, tz, conc, deadline)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// every steps the clock a minute at a time from start to end, passing at
// each minute.
func every(t *testing.T, s *Scheduler, c *fakeClock, start, end time.Time) {
	t.Helper()
	for c.t = start; !c.t.After(end); c.t = c.t.Add(time.Minute) {
		if err := s.Pass(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestForbidSkipsWhileRunning(t *testing.T) {
	c := &fakeClock{t: time.Date(2026, 1, 5, 2, 59, 0, 0, time.UTC)}
	r := &fakeRunner{}
	s := newScheduler(t, filepath.Join(t.TempDir(), "j.json"), c, r, mustParse(t, "0 * * * *", "", "forbid", ""))
	every(t, s, c, c.t, c.t.Add(2*time.Hour+time.Minute)) // ticks 03:00, 04:00, 05:00; the first run never ends
	if got := strings.Join(r.ticks, " "); got != "pipeline.p@2026-01-05T03:00:00Z" {
		t.Fatalf("started %s; want only the 03:00 tick", got)
	}
	runs := s.Journal.Runs("pipeline.p")
	if len(runs) != 3 || runs[1].Status != "skipped" || !strings.Contains(runs[1].Detail, "forbid") {
		t.Fatalf("journal %+v", runs)
	}
	r.runs[0].end()
	c.t = time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)
	s.Pass()
	if len(r.ticks) != 2 {
		t.Fatalf("after the run ended the next tick must run: %v", r.ticks)
	}
}

func TestReplaceStopsTheRunningOne(t *testing.T) {
	c := &fakeClock{t: time.Date(2026, 1, 5, 2, 59, 0, 0, time.UTC)}
	r := &fakeRunner{}
	s := newScheduler(t, filepath.Join(t.TempDir(), "j.json"), c, r, mustParse(t, "0 * * * *", "", "replace", ""))
	every(t, s, c, c.t, c.t.Add(61*time.Minute))
	if len(r.ticks) != 2 || !r.runs[0].stopped || r.runs[1].stopped {
		t.Fatalf("ticks %v; first stopped %v", r.ticks, r.runs[0].stopped)
	}
	if runs := s.Journal.Runs("pipeline.p"); runs[0].Status != "replaced" || runs[1].Status != "running" {
		t.Fatalf("journal %+v", runs)
	}
}

// A scheduler down over several ticks runs the latest once when it is
// back, and records how many ticks that run stands for.
func TestMissedTicksRunOnce(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "j.json")
	c := &fakeClock{t: time.Date(2026, 1, 5, 2, 59, 0, 0, time.UTC)}
	r := &fakeRunner{}
	s := newScheduler(t, journal, c, r, mustParse(t, "0 * * * *", "", "forbid", ""))
	every(t, s, c, c.t, c.t.Add(time.Minute))
	r.runs[0].end()
	s.Wait()
	// Down from 03:01 to 07:30: 04:00 .. 07:00 were missed.
	c.t = time.Date(2026, 1, 5, 7, 30, 0, 0, time.UTC)
	s2 := newScheduler(t, journal, c, r, mustParse(t, "0 * * * *", "", "forbid", ""))
	s2.Pass()
	s2.Pass()
	if got := strings.Join(r.ticks, " "); got != "pipeline.p@2026-01-05T03:00:00Z pipeline.p@2026-01-05T07:00:00Z" {
		t.Fatalf("started %s", got)
	}
	runs := s2.Journal.Runs("pipeline.p")
	if last := runs[len(runs)-1]; last.Missed != 4 {
		t.Fatalf("the catch-up run stands for %d ticks, want 4", last.Missed)
	}
	// With a starting deadline, ticks missed by longer are let go.
	c.t = time.Date(2026, 1, 5, 9, 40, 0, 0, time.UTC)
	s3 := newScheduler(t, journal, c, r, mustParse(t, "0 * * * *", "", "allow", "30m"))
	s3.Pass()
	if len(r.ticks) != 2 {
		t.Fatalf("a tick 40m late past a 30m deadline started: %v", r.ticks)
	}
}

// A scheduler killed right after it started a run (its journal written, no
// more) and started again at the same moment does not run the tick again.
func TestKilledSchedulerNeverRunsATickTwice(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "j.json")
	c := &fakeClock{t: time.Date(2026, 1, 5, 3, 0, 0, 0, time.UTC)}
	r := &fakeRunner{}
	s := newScheduler(t, journal, c, r, mustParse(t, "0 3 * * *", "", "allow", ""))
	s.Pass()
	// "kill -9": s is dropped without Wait or any further write.
	for i := 0; i < 3; i++ {
		again := newScheduler(t, journal, c, r, mustParse(t, "0 3 * * *", "", "allow", ""))
		again.Pass()
		c.t = c.t.Add(20 * time.Second)
	}
	if len(r.ticks) != 1 {
		t.Fatalf("tick run %d times: %v", len(r.ticks), r.ticks)
	}
}

// In Europe/Berlin, a daily 02:30 run happens once a day across both
// daylight-saving changes of 2026: on 29 March 02:30 does not exist (the
// run comes at 03:30 CEST), on 25 October it happens twice (the run comes
// at the first).
func TestDaylightSaving(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	for _, tt := range []struct {
		name       string
		start, end time.Time
		days       int
	}{
		{"spring forward", time.Date(2026, 3, 27, 12, 0, 0, 0, berlin), time.Date(2026, 3, 31, 12, 0, 0, 0, berlin), 4},
		{"fall back", time.Date(2026, 10, 23, 12, 0, 0, 0, berlin), time.Date(2026, 10, 27, 12, 0, 0, 0, berlin), 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeClock{}
			r := &fakeRunner{}
			s := newScheduler(t, filepath.Join(t.TempDir(), "j.json"), c, r, mustParse(t, "30 2 * * *", "Europe/Berlin", "allow", ""))
			every(t, s, c, tt.start, tt.end)
			perDay := map[string]int{}
			for _, tk := range r.ticks {
				at, _ := time.Parse(time.RFC3339, strings.TrimPrefix(tk, "pipeline.p@"))
				perDay[at.In(berlin).Format("2006-01-02")]++
			}
			if len(perDay) != tt.days {
				t.Errorf("runs on %d days, want %d: %v", len(perDay), tt.days, r.ticks)
			}
			for _, tk := range r.ticks {
				if strings.HasPrefix(tk, "pipeline.p@2026-03-29") && tk != "pipeline.p@2026-03-29T01:30:00Z" ||
					strings.HasPrefix(tk, "pipeline.p@2026-10-25") && tk != "pipeline.p@2026-10-25T00:30:00Z" {
					t.Errorf("tick %s on the day of the change; want 01:30Z (03:30 CEST) in March, 00:30Z (02:30 CEST) in October", tk)
				}
			}
			for day, n := range perDay {
				if n != 1 {
					t.Errorf("%s: %d runs, want 1 (%v)", day, n, r.ticks)
				}
			}
		})
	}
}

func TestParseMistakes(t *testing.T) {
	for _, tt := range []struct{ expr, tz, conc, deadline, want string }{
		{"0 3 * *", "", "", "", "cron \"0 3 * *\""},
		{"0 3 * * 1", "Mars/Olympus", "", "", "not an IANA time zone"},
		{"0 3 * * 1", "", "sometimes", "", `use "allow", "forbid" or "replace"`},
		{"0 3 * * 1", "", "", "soon", "starting_deadline"},
	} {
		if _, err := Parse(tt.expr, tt.tz, tt.conc, tt.deadline); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q, %q, %q, %q) = %v; want %q", tt.expr, tt.tz, tt.conc, tt.deadline, err, tt.want)
		}
	}
}
