package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Goal says whether the objective is to be minimized or maximized.
type Goal uint8

const (
	Minimize Goal = iota + 1
	Maximize
)

func (g Goal) String() string {
	if g == Maximize {
		return "maximize"
	}
	return "minimize"
}

// State is where a trial is in its life.
type State uint8

const (
	Running State = iota + 1
	Complete
	Pruned
	Failed
)

func (s State) String() string {
	switch s {
	case Running:
		return "running"
	case Complete:
		return "complete"
	case Pruned:
		return "pruned"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Point is one intermediate objective value a trial reported.
type Point struct {
	Step  int
	Value float64
}

// Trial is one evaluation of the objective. Params are in the order of the
// space; a Values parameter holds the index of its value.
type Trial struct {
	Number int
	Params []float64
	State  State
	// Value is the objective of a complete trial, or the last intermediate
	// value of a pruned one.
	Value  float64
	Points []Point // intermediate values, steps increasing
}

// Options configure a study.
type Options struct {
	Space   Space
	Goal    Goal
	Sampler Sampler
	Pruner  Pruner // nil: trials are never pruned
	Seed    uint64
}

// Study is the history of one search and the source of its suggestions.
// It is not safe for concurrent use; the caller serializes Ask, Report and
// Tell, and their order (with the seed) fixes every suggestion.
type Study struct {
	opt    Options
	trials []Trial
	// internal holds, per parameter, every trial's internal coordinate,
	// indexed by trial number, for the samplers' models.
	internal [][]float64
	// ranked lists the finished (complete or pruned) trials, best first.
	ranked []int
	rungs  rungs
	// scratch is reused by every suggestion.
	scratch arena
}

// New starts an empty study.
func New(opt Options) (*Study, error) {
	if err := opt.Space.Validate(); err != nil {
		return nil, err
	}
	if opt.Goal != Minimize && opt.Goal != Maximize {
		return nil, fmt.Errorf("goal must be minimize or maximize")
	}
	if opt.Sampler == nil {
		return nil, fmt.Errorf("no sampler")
	}
	if err := opt.Sampler.check(opt.Space); err != nil {
		return nil, err
	}
	return &Study{opt: opt, internal: make([][]float64, len(opt.Space))}, nil
}

// Space returns the study's parameter space.
func (s *Study) Space() Space { return s.opt.Space }

// Goal returns whether the objective is minimized or maximized.
func (s *Study) Goal() Goal { return s.opt.Goal }

// Size is how many distinct trials the sampler can propose: the grid's size
// for a grid sampler, 0 when unbounded.
func (s *Study) Size() int { return s.opt.Sampler.size(s.opt.Space) }

// Trials returns the history, ordered by trial number. The caller must not
// modify it.
func (s *Study) Trials() []Trial { return s.trials }

// Trial returns trial n.
func (s *Study) Trial(n int) (Trial, bool) {
	if n < 0 || n >= len(s.trials) {
		return Trial{}, false
	}
	return s.trials[n], true
}

// Ask starts the next trial and returns its number and parameters. It
// returns false when the sampler has nothing left to propose (a grid that is
// exhausted).
func (s *Study) Ask() (Trial, bool) {
	n := len(s.trials)
	if size := s.Size(); size > 0 && n >= size {
		return Trial{}, false
	}
	params := s.opt.Sampler.sample(s, n, s.rng(n, 0))
	s.add(Trial{Number: n, Params: params, State: Running})
	return s.trials[n], true
}

// rng is the random source of trial n: a function of the seed and the trial
// number only, so that a restored study asks exactly what it would have.
func (s *Study) rng(n int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.opt.Seed, uint64(n)<<8|stream))
}

func (s *Study) add(t Trial) {
	s.trials = append(s.trials, t)
	for k, p := range s.opt.Space {
		x := t.Params[k]
		if p.Dist != Values {
			x = p.toInternal(x)
		}
		s.internal[k] = append(s.internal[k], x)
	}
}

// Report records an intermediate value of a running trial at a step (an
// epoch, an iteration) and says whether the pruner stops the trial there.
// A step at or below the last reported one is ignored (a trial resumed from
// a checkpoint reports its steps again) and never prunes.
func (s *Study) Report(n, step int, value float64) (prune bool, err error) {
	t, err := s.running(n)
	if err != nil {
		return false, err
	}
	if math.IsNaN(value) {
		return false, fmt.Errorf("trial %d reported NaN at step %d", n, step)
	}
	if len(t.Points) > 0 && step <= t.Points[len(t.Points)-1].Step {
		return false, nil
	}
	t.Points = append(t.Points, Point{Step: step, Value: value})
	if s.opt.Pruner == nil {
		return false, nil
	}
	return s.opt.Pruner.prune(s, n, step, s.loss(value)), nil
}

func (s *Study) running(n int) (*Trial, error) {
	if n < 0 || n >= len(s.trials) {
		return nil, fmt.Errorf("no trial %d", n)
	}
	t := &s.trials[n]
	if t.State != Running {
		return nil, fmt.Errorf("trial %d is %v, not running", n, t.State)
	}
	return t, nil
}

// Tell finishes a running trial. A complete trial gives its objective; a
// pruned trial's value is its last intermediate value; a failed trial's value
// is ignored.
func (s *Study) Tell(n int, state State, value float64) error {
	t, err := s.running(n)
	if err != nil {
		return err
	}
	switch state {
	case Complete:
		if math.IsNaN(value) || math.IsInf(value, 0) {
			return fmt.Errorf("trial %d: objective %v is not a finite number", n, value)
		}
		t.Value = value
	case Pruned:
		if len(t.Points) == 0 {
			return fmt.Errorf("trial %d was pruned without an intermediate value", n)
		}
		t.Value = t.Points[len(t.Points)-1].Value
	case Failed:
		t.Value = math.NaN()
	default:
		return fmt.Errorf("trial %d: cannot finish as %v", n, state)
	}
	t.State = state
	if state != Failed {
		s.rank(n)
	}
	return nil
}

// loss is a value turned into something to minimize.
func (s *Study) loss(v float64) float64 {
	if s.opt.Goal == Maximize {
		return -v
	}
	return v
}

// before orders finished trials best first: complete trials by objective,
// then pruned ones, those that went further first, then by their last value.
// Ties go to the earlier trial.
func (s *Study) before(a, b int) bool {
	ta, tb := &s.trials[a], &s.trials[b]
	if ta.State != tb.State {
		return ta.State == Complete
	}
	if ta.State == Pruned {
		sa, sb := ta.Points[len(ta.Points)-1].Step, tb.Points[len(tb.Points)-1].Step
		if sa != sb {
			return sa > sb
		}
	}
	la, lb := s.loss(ta.Value), s.loss(tb.Value)
	if la != lb {
		return la < lb
	}
	return a < b
}

func (s *Study) rank(n int) {
	i := sort.Search(len(s.ranked), func(i int) bool { return s.before(n, s.ranked[i]) })
	s.ranked = append(s.ranked, 0)
	copy(s.ranked[i+1:], s.ranked[i:])
	s.ranked[i] = n
}

// Best returns the complete trial with the best objective.
func (s *Study) Best() (Trial, bool) {
	if len(s.ranked) == 0 || s.trials[s.ranked[0]].State != Complete {
		return Trial{}, false
	}
	return s.trials[s.ranked[0]], true
}

// Counts returns how many trials are in each state.
func (s *Study) Counts() map[State]int {
	c := map[State]int{}
	for _, t := range s.trials {
		c[t.State]++
	}
	return c
}

// Restore rebuilds a study's history from recorded trials (numbered 0..n-1,
// in any order), so that it continues as if it had never stopped: the
// sampler sees the same finished trials and the pruner the same rungs.
// Running trials stay running, to be reported on and told as usual.
func (s *Study) Restore(trials []Trial) error {
	if len(s.trials) > 0 {
		return fmt.Errorf("restore into a study that already has trials")
	}
	sorted := append([]Trial(nil), trials...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	for i, t := range sorted {
		if t.Number != i {
			return fmt.Errorf("recorded trials must be numbered 0..%d; trial %d is missing", len(sorted)-1, i)
		}
		if len(t.Params) != len(s.opt.Space) {
			return fmt.Errorf("trial %d has %d parameters, the space has %d", i, len(t.Params), len(s.opt.Space))
		}
		for k, p := range s.opt.Space {
			if !p.Contains(t.Params[k]) {
				return fmt.Errorf("trial %d: %v is not a value of parameter %q", i, t.Params[k], p.Name)
			}
		}
		for j := 1; j < len(t.Points); j++ {
			if t.Points[j].Step <= t.Points[j-1].Step {
				return fmt.Errorf("trial %d: intermediate steps must increase", i)
			}
		}
		if t.State == Pruned && len(t.Points) == 0 {
			return fmt.Errorf("trial %d is pruned but has no intermediate value", i)
		}
		if t.State < Running || t.State > Failed {
			return fmt.Errorf("trial %d has no valid state", i)
		}
		t.Params = append([]float64(nil), t.Params...)
		t.Points = append([]Point(nil), t.Points...)
		s.add(t)
	}
	for i, t := range s.trials {
		if t.State == Complete || t.State == Pruned {
			s.rank(i)
		}
	}
	if s.opt.Pruner != nil {
		s.opt.Pruner.restore(s)
	}
	return nil
}
