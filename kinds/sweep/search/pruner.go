package search

import (
	"math"
	"sort"
)

// Pruner decides, from a running trial's intermediate values and the
// study's history, whether to stop the trial early. The implementations are
// this package's: Median and ASHA.
type Pruner interface {
	// prune is called after trial n reported loss (the value turned into
	// something to minimize) at step.
	prune(s *Study, n, step int, loss float64) bool
	// restore rebuilds the pruner's memory from a restored history.
	restore(s *Study)
}

// MedianOptions tune the median pruner. Zero values take the defaults.
type MedianOptions struct {
	// Startup is how many trials must be complete before any pruning
	// (default 5).
	Startup int
	// MinStep is the first step at which a trial can be pruned (default 0).
	MinStep int
}

// Median stops a trial whose best intermediate value so far is worse than
// the median of the complete trials' values at the same step.
func Median(o MedianOptions) Pruner {
	if o.Startup <= 0 {
		o.Startup = 5
	}
	return median{o}
}

type median struct{ o MedianOptions }

func (median) restore(*Study) {}

func (m median) prune(s *Study, n, step int, _ float64) bool {
	if step < m.o.MinStep {
		return false
	}
	best := math.Inf(1)
	for _, p := range s.trials[n].Points {
		best = math.Min(best, s.loss(p.Value))
	}
	var at []float64
	complete := 0
	for i := range s.trials {
		t := &s.trials[i]
		if t.State != Complete {
			continue
		}
		complete++
		j := sort.Search(len(t.Points), func(j int) bool { return t.Points[j].Step >= step })
		if j < len(t.Points) && t.Points[j].Step == step {
			at = append(at, s.loss(t.Points[j].Value))
		}
	}
	if complete < m.o.Startup || len(at) == 0 {
		return false
	}
	sort.Float64s(at)
	mid := len(at) / 2
	med := at[mid]
	if len(at)%2 == 0 {
		med = (at[mid-1] + at[mid]) / 2
	}
	return best > med
}

// ASHAOptions tune asynchronous successive halving. Zero values take the
// defaults.
type ASHAOptions struct {
	// MinStep is the step of the first rung (default 1).
	MinStep int
	// ReductionFactor is η: rung k sits at step MinStep·η^k and keeps the
	// best 1/η of the trials that reach it (default 3).
	ReductionFactor int
	// MaxStep is the last step of a trial: no rung sits at or beyond it,
	// since stopping a trial there saves nothing. 0 takes the largest last
	// step of the complete trials, once one is complete.
	MaxStep int
}

// ASHA is asynchronous successive halving (Li et al. 2018): when a trial
// reaches a rung it carries on only if its value is among the best 1/η of
// the values recorded at that rung so far. While a rung holds fewer than η
// values, only a trial that is the best there carries on. Trials are never
// paused, so no trial waits for others.
func ASHA(o ASHAOptions) Pruner {
	if o.MinStep <= 0 {
		o.MinStep = 1
	}
	if o.ReductionFactor < 2 {
		o.ReductionFactor = 3
	}
	return &asha{o: o}
}

type asha struct{ o ASHAOptions }

// rungs are the values (losses) recorded at each rung and how many rungs
// each trial has reached. They belong to the study, so that one pruner
// value can serve several studies.
type rungs struct {
	values  [][]float64
	reached map[int]int
}

// rungStep is the step at which rung k sits.
func (a *asha) rungStep(k int) int {
	step := a.o.MinStep
	for ; k > 0; k-- {
		if step > math.MaxInt32 {
			return math.MaxInt
		}
		step *= a.o.ReductionFactor
	}
	return step
}

func (a *asha) prune(s *Study, n, step int, loss float64) bool {
	return a.replay(&s.rungs, n, step, loss, a.maxStep(s))
}

// maxStep is the step no rung reaches, 0 while unknown.
func (a *asha) maxStep(s *Study) int {
	if a.o.MaxStep > 0 {
		return a.o.MaxStep
	}
	last := 0
	for i := range s.trials {
		t := &s.trials[i]
		if t.State == Complete && len(t.Points) > 0 {
			last = max(last, t.Points[len(t.Points)-1].Step)
		}
	}
	return last
}

// replay records the value at every rung the step reached, stopping at the
// first rung where the trial is not promoted (and then reports true).
func (a *asha) replay(rs *rungs, n, step int, loss float64, maxStep int) bool {
	for {
		if maxStep > 0 && a.rungStep(rs.reached[n]) >= maxStep {
			return false
		}
		k, ok := a.record(rs, n, step, loss)
		if !ok {
			return false
		}
		if !promotable(loss, rs.values[k], a.o.ReductionFactor) {
			return true
		}
	}
}

// record enters a trial's value at its next rung if the step reached it,
// and returns that rung.
func (a *asha) record(rs *rungs, n, step int, loss float64) (int, bool) {
	if rs.reached == nil {
		rs.reached = map[int]int{}
	}
	k := rs.reached[n]
	if step < a.rungStep(k) {
		return 0, false
	}
	for len(rs.values) <= k {
		rs.values = append(rs.values, nil)
	}
	rs.values[k] = append(rs.values[k], loss)
	rs.reached[n] = k + 1
	return k, true
}

func (a *asha) restore(s *Study) {
	s.rungs = rungs{}
	maxStep := a.maxStep(s)
	for _, t := range s.trials {
		for _, p := range t.Points {
			if a.replay(&s.rungs, t.Number, p.Step, s.loss(p.Value), maxStep) {
				break
			}
		}
	}
}

// promotable reports whether loss is among the best 1/η of the rung's
// values (itself included), or the best while the rung holds fewer than η.
func promotable(loss float64, rung []float64, eta int) bool {
	idx := len(rung)/eta - 1
	if idx < 0 {
		idx = 0
	}
	sorted := append([]float64(nil), rung...)
	sort.Float64s(sorted)
	return loss <= sorted[idx]
}
