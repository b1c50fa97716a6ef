package search

import (
	"fmt"
	"math/rand/v2"
)

// Sampler proposes the parameters of the next trial. The implementations
// are this package's: Grid, Random and TPE.
type Sampler interface {
	// check reports why the sampler cannot search the space.
	check(Space) error
	// size is how many trials the sampler can propose, 0 when unbounded.
	size(Space) int
	// sample proposes trial n's parameters (values, in space order) from the
	// study's history, drawing randomness from r only.
	sample(s *Study, n int, r *rand.Rand) []float64
}

// Random draws every parameter independently and uniformly (in log space
// for LogUniform).
func Random() Sampler { return random{} }

type random struct{}

func (random) check(Space) error { return nil }
func (random) size(Space) int    { return 0 }

func (random) sample(s *Study, _ int, r *rand.Rand) []float64 {
	return sampleUniform(s.opt.Space, r)
}

func sampleUniform(sp Space, r *rand.Rand) []float64 {
	out := make([]float64, len(sp))
	for k, p := range sp {
		if p.Dist == Values {
			out[k] = float64(r.IntN(p.Choices))
			continue
		}
		lo, hi := p.bounds()
		out[k] = p.fromInternal(lo + r.Float64()*(hi-lo))
	}
	return out
}

// Grid tries every combination of the parameters' values once, in an order
// shuffled by the study's seed (so that a sweep with fewer trials than grid
// points still spreads over the grid). Every parameter must be discrete:
// values, int, or uniform with a step.
func Grid() Sampler { return grid{} }

type grid struct{}

func (grid) check(sp Space) error {
	for _, p := range sp {
		if !p.Discrete() {
			return fmt.Errorf("parameter %q: the grid sampler needs discrete parameters (values, int, or a step)", p.Name)
		}
	}
	if n := (grid{}).size(sp); n > 10_000_000 {
		return fmt.Errorf("the grid has %d points; at most 10,000,000 are supported", n)
	}
	return nil
}

func (grid) size(sp Space) int {
	n := 1
	for _, p := range sp {
		n *= len(p.Points())
		if n > 1<<40 {
			return 1 << 40
		}
	}
	return n
}

func (g grid) sample(s *Study, n int, _ *rand.Rand) []float64 {
	sp := s.opt.Space
	size := g.size(sp)
	// A fixed permutation of the grid, from the seed alone: the i-th trial
	// takes the grid point at position perm(i), computed without building
	// the permutation.
	idx := permute(uint64(n), uint64(size), s.opt.Seed)
	out := make([]float64, len(sp))
	for k := len(sp) - 1; k >= 0; k-- {
		pts := sp[k].Points()
		out[k] = pts[idx%uint64(len(pts))]
		idx /= uint64(len(pts))
	}
	return out
}

// permute maps i in [0, n) to a distinct position in [0, n): a keyed
// bijection (a small Feistel network over the next power of four, walked
// until it lands inside [0, n)).
func permute(i, n, seed uint64) uint64 {
	if n <= 1 {
		return 0
	}
	bits := uint(0)
	for uint64(1)<<bits < n {
		bits++
	}
	if bits%2 == 1 {
		bits++
	}
	half := bits / 2
	mask := uint64(1)<<half - 1
	x := i
	for {
		l, r := x>>half, x&mask
		for round := uint64(0); round < 4; round++ {
			l, r = r, l^(mix(r, seed, round)&mask)
		}
		x = l<<half | r
		if x < n {
			return x
		}
	}
}

func mix(x, seed, round uint64) uint64 {
	z := x + seed*0x9E3779B97F4A7C15 + round*0xBF58476D1CE4E5B9 + 1
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}
