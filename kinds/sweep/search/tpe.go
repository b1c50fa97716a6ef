package search

import (
	"math"
	"math/rand/v2"
	"sort"
)

// TPEOptions tune the tree-structured Parzen estimator. Zero values take
// the defaults.
type TPEOptions struct {
	// Independent models each parameter on its own (Optuna's default);
	// otherwise one joint model captures how parameters interact.
	Independent bool
	// Startup is how many trials are drawn before the model is used
	// (default 10). The first Startup trials form a Latin hypercube, which
	// covers each parameter's range evenly; later ones drawn while fewer than
	// Startup trials have finished are uniform.
	Startup int
	// Candidates is how many points are drawn from the good model and scored
	// by expected improvement for each suggestion (default 24).
	Candidates int
	// Gamma is how many of n finished trials form the good group (default
	// min(ceil(0.15·n), 25); Optuna's is min(ceil(0.1·n), 25)).
	Gamma func(n int) int
	// PriorWeight is the weight of the broad prior kernel (default 1).
	PriorWeight float64
	// AboveLimit bounds how many of the most recent trials outside the good
	// group model the bad region (default 1000), which keeps a suggestion
	// fast after many thousands of trials; older ones already weigh little.
	AboveLimit int
}

// TPE returns the tree-structured Parzen estimator sampler (Bergstra et al.
// 2011): finished trials are split into a good group and the rest, each is
// modelled by a Parzen estimator (l and g), and the next trial is the
// candidate drawn from l with the highest l(x)/g(x).
func TPE(o TPEOptions) Sampler {
	if o.Startup <= 0 {
		o.Startup = 10
	}
	if o.Candidates <= 0 {
		o.Candidates = 24
	}
	if o.Gamma == nil {
		o.Gamma = func(n int) int { return min(int(math.Ceil(0.15*float64(n))), 25) }
	}
	if o.PriorWeight <= 0 {
		o.PriorWeight = 1
	}
	if o.AboveLimit <= 0 {
		o.AboveLimit = 1000
	}
	return &tpe{o: o}
}

type tpe struct{ o TPEOptions }

func (*tpe) check(Space) error { return nil }
func (*tpe) size(Space) int    { return 0 }

func (t *tpe) sample(s *Study, n int, r *rand.Rand) []float64 {
	sp := s.opt.Space
	finished := len(s.ranked)
	if finished < t.o.Startup {
		if n < t.o.Startup {
			return latinHypercube(sp, s.opt.Seed, t.o.Startup, n)
		}
		return sampleUniform(sp, r)
	}
	nBelow := min(max(t.o.Gamma(finished), 1), finished)
	below, above := s.split(nBelow, t.o.AboveLimit)

	out := make([]float64, len(sp))
	if t.o.Independent {
		for k := range sp {
			out[k] = t.suggest(s, []int{k}, below, above, r)[0]
		}
	} else {
		all := make([]int, len(sp))
		for k := range all {
			all[k] = k
		}
		copy(out, t.suggest(s, all, below, above, r))
	}
	for k, p := range sp {
		if p.Dist != Values {
			out[k] = p.fromInternal(out[k])
		}
	}
	return out
}

// suggest draws candidates for the parameters dims from the good model and
// returns the best one (internal coordinates).
func (t *tpe) suggest(s *Study, dims []int, below, above []int, r *rand.Rand) []float64 {
	params := make([]Param, len(dims))
	for i, k := range dims {
		params[i] = s.opt.Space[k]
	}
	a := &s.scratch
	a.reset()
	multi := !t.o.Independent
	l := newParzen(a, params, s.columns(a, dims, below), len(below), multi, t.o.PriorWeight)
	g := newParzen(a, params, s.columns(a, dims, above), len(above), multi, t.o.PriorWeight)
	xs := make([][]float64, t.o.Candidates)
	for c := range xs {
		xs[c] = make([]float64, len(dims))
		l.draw(r, xs[c])
	}
	lx, gx := a.take(len(xs)), a.take(len(xs))
	l.logPDFs(a, xs, lx)
	g.logPDFs(a, xs, gx)
	best := 0
	for c := range xs {
		if lx[c]-gx[c] > lx[best]-gx[best] {
			best = c
		}
	}
	return xs[best]
}

// split returns the numbers of the nBelow best finished trials and of at
// most limit of the most recent other finished ones, each in trial order.
func (s *Study) split(nBelow, limit int) (below, above []int) {
	below = append([]int(nil), s.ranked[:nBelow]...)
	sort.Ints(below)
	above = make([]int, 0, min(limit, len(s.ranked)-nBelow))
	b := len(below) - 1
	for n := len(s.trials) - 1; n >= 0 && len(above) < limit; n-- {
		if b >= 0 && below[b] == n {
			b--
			continue
		}
		if st := s.trials[n].State; st == Complete || st == Pruned {
			above = append(above, n)
		}
	}
	reverse(above)
	return below, above
}

func reverse(v []int) {
	for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
		v[i], v[j] = v[j], v[i]
	}
}

// columns gathers the internal coordinates of trials in the given
// dimensions: out[d][i] is trial trials[i]'s value of parameter dims[d].
// Each column has room for one more value (the prior's).
func (s *Study) columns(a *arena, dims []int, trials []int) [][]float64 {
	out := make([][]float64, len(dims))
	for d, k := range dims {
		col, all := a.take(len(trials) + 1)[:len(trials)], s.internal[k]
		for i, n := range trials {
			col[i] = all[n]
		}
		out[d] = col
	}
	return out
}

// latinHypercube returns row n of a Latin hypercube design of the given
// number of rows, fixed by the seed: each parameter's range is cut into
// rows equal strata and each stratum holds one row.
func latinHypercube(sp Space, seed uint64, rows, n int) []float64 {
	out := make([]float64, len(sp))
	for k, p := range sp {
		r := rand.New(rand.NewPCG(seed, 1<<40|uint64(k)))
		stratum := r.Perm(rows)[n]
		offsets := make([]float64, rows)
		for i := range offsets {
			offsets[i] = r.Float64()
		}
		u := (float64(stratum) + offsets[n]) / float64(rows)
		if p.Dist == Values {
			out[k] = float64(min(int(u*float64(p.Choices)), p.Choices-1))
			continue
		}
		lo, hi := p.bounds()
		out[k] = p.fromInternal(lo + u*(hi-lo))
	}
	return out
}
