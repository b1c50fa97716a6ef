package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Concurrency policies: what a tick does while the pipeline's previous
// scheduled run still goes on.
const (
	Allow   = "allow"   // start the new run beside it
	Forbid  = "forbid"  // skip the tick
	Replace = "replace" // stop the running one, then start the new run
)

// Schedule is a pipeline's schedule {} block, parsed.
type Schedule struct {
	Cron        string
	Location    *time.Location
	Concurrency string
	// StartingDeadline is how late a tick may still start; zero: any
	// delay (the latest missed tick runs once).
	StartingDeadline time.Duration

	spec cron.Schedule
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads a schedule: a five-field cron expression or a descriptor
// (@daily, @every 1h), an IANA time zone ("" is UTC), a concurrency
// policy ("" is forbid) and a starting deadline ("" is none).
func Parse(expr, timezone, concurrency, deadline string) (Schedule, error) {
	s := Schedule{Cron: expr, Concurrency: concurrency, Location: time.UTC}
	if timezone != "" {
		loc, err := time.LoadLocation(timezone)
		if err != nil {
			return s, fmt.Errorf("timezone %q: not an IANA time zone such as \"Europe/Berlin\"", timezone)
		}
		s.Location = loc
	}
	spec, err := parser.Parse(expr)
	if err != nil {
		return s, fmt.Errorf("cron %q: %v; write minute hour day-of-month month day-of-week, e.g. \"0 3 * * 1\"", expr, err)
	}
	s.spec = spec
	switch concurrency {
	case "":
		s.Concurrency = Forbid
	case Allow, Forbid, Replace:
	default:
		return s, fmt.Errorf("concurrency %q: use \"allow\", \"forbid\" or \"replace\"", concurrency)
	}
	if deadline != "" {
		d, err := time.ParseDuration(deadline)
		if err != nil || d < 0 {
			return s, fmt.Errorf("starting_deadline %q: a duration such as \"10m\"", deadline)
		}
		s.StartingDeadline = d
	}
	return s, nil
}

// Next is the first tick after t. Cron fields are matched against the
// wall clock of the schedule's time zone, so that across daylight-saving
// changes a daily tick happens once a day, as people expect: a wall time
// the clocks skip (02:30 on the night they move forward) ticks an hour
// later by the wall clock, the instant the skipped time would have been;
// a wall time that happens twice (the night they move back) ticks once,
// at its first occurrence. Fixed intervals (@every) count real time.
func (s Schedule) Next(t time.Time) time.Time {
	if _, ok := s.spec.(cron.ConstantDelaySchedule); ok {
		return s.spec.Next(t)
	}
	lt := t.In(s.Location)
	wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	for i := 0; i < 4; i++ {
		w := s.spec.Next(wall)
		if w.IsZero() {
			return w
		}
		real := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, s.Location)
		for _, back := range []time.Duration{time.Hour, 30 * time.Minute} {
			// A repeated wall time: time.Date may give either; take the first.
			if e := real.Add(-back); e.In(s.Location).Format(time.DateTime) == real.In(s.Location).Format(time.DateTime) {
				real = e
				break
			}
		}
		if real.After(t) {
			return real
		}
		wall = w // the second occurrence of a repeated hour: that wall time ran already
	}
	return time.Time{}
}

// Due is the tick to run at now when the last tick handled was last (zero:
// none; then only a tick at most a minute old counts, not the whole past):
// the latest tick in (last, now], with how many ticks it stands for.
// ok is false when no tick is due, or the due one is older than the
// starting deadline (missed says how many were let go).
func (s Schedule) Due(last, now time.Time) (tick time.Time, missed int, ok bool) {
	from := last
	if from.IsZero() {
		from = now.Add(-time.Minute)
	}
	for t := s.Next(from); !t.After(now); t = s.Next(t) {
		tick = t
		missed++
		if missed > 100000 {
			break // a schedule of seconds left alone for years: the latest is enough
		}
	}
	if missed == 0 {
		return time.Time{}, 0, false
	}
	if s.StartingDeadline > 0 && now.Sub(tick) > s.StartingDeadline {
		return tick, missed, false
	}
	return tick, missed, true
}
