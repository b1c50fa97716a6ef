package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Reservoir is a uniform random sample of at most K values from a stream,
// by Li's Algorithm L: after the reservoir fills, the cost per value is one
// counter comparison, and the generator is called only when a value is
// kept. While fewer than K values were seen, the sample is the whole stream
// and the quantiles are exact.
type Reservoir struct {
	K     int
	Seen  int64
	Items []float64
	rng   *rand.Rand
	w     float64
	next  int64 // the Seen count at which the next value is kept
}

// NewReservoir returns an empty reservoir of capacity k.
func NewReservoir(k int, seed uint64) Reservoir {
	return Reservoir{K: k, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

func (r *Reservoir) uniform() float64 {
	for {
		if u := r.rng.Float64(); u > 0 {
			return u
		}
	}
}

func (r *Reservoir) skip() {
	r.next += int64(math.Floor(math.Log(r.uniform())/math.Log1p(-r.w))) + 1
}

// Add observes one value.
func (r *Reservoir) Add(x float64) {
	r.Seen++
	if len(r.Items) < r.K {
		r.Items = append(r.Items, x)
		if len(r.Items) == r.K {
			r.w = math.Exp(math.Log(r.uniform()) / float64(r.K))
			r.next = r.Seen
			r.skip()
		}
		return
	}
	if r.Seen < r.next {
		return
	}
	r.Items[r.rng.IntN(r.K)] = x
	r.w *= math.Exp(math.Log(r.uniform()) / float64(r.K))
	r.skip()
}

// AddBatch observes xs; once the reservoir is full it only touches the
// values it keeps.
func (r *Reservoir) AddBatch(xs []float64) {
	for len(xs) > 0 && len(r.Items) < r.K {
		r.Add(xs[0])
		xs = xs[1:]
	}
	if len(xs) == 0 {
		return
	}
	start := r.Seen
	end := start + int64(len(xs))
	for r.next <= end {
		r.Items[r.rng.IntN(r.K)] = xs[r.next-start-1]
		r.w *= math.Exp(math.Log(r.uniform()) / float64(r.K))
		r.skip()
	}
	r.Seen = end
}

// Merge folds o into r. When both together saw no more than K values the
// result is exact; otherwise each side contributes values in proportion to
// how many it saw, chosen at random from its sample.
func (r *Reservoir) Merge(o *Reservoir) {
	if o.Seen == 0 {
		return
	}
	if r.rng == nil {
		*r = NewReservoir(o.K, 1)
	}
	total := r.Seen + o.Seen
	if int64(len(r.Items)+len(o.Items)) <= int64(r.K) && total == int64(len(r.Items)+len(o.Items)) {
		r.Items = append(r.Items, o.Items...)
		r.Seen = total
		if len(r.Items) == r.K {
			r.w = math.Exp(math.Log(r.uniform()) / float64(r.K))
			r.next = r.Seen
			r.skip()
		}
		return
	}
	fromO := int(math.Round(float64(r.K) * float64(o.Seen) / float64(total)))
	fromO = min(fromO, len(o.Items))
	fromR := min(r.K-fromO, len(r.Items))
	merged := make([]float64, 0, r.K)
	merged = append(merged, pick(r.rng, r.Items, fromR)...)
	merged = append(merged, pick(r.rng, o.Items, fromO)...)
	r.Items = merged
	r.Seen = total
	if len(r.Items) == r.K {
		r.w = math.Exp(math.Log(r.uniform()) / float64(r.K))
		r.next = r.Seen
		r.skip()
	} else {
		// A short merged sample keeps filling like a fresh one.
		r.next = 0
	}
}

// pick returns n values of xs chosen at random, without replacement.
func pick(rng *rand.Rand, xs []float64, n int) []float64 {
	if n >= len(xs) {
		return slices.Clone(xs)
	}
	c := slices.Clone(xs)
	for i := 0; i < n; i++ {
		j := i + rng.IntN(len(c)-i)
		c[i], c[j] = c[j], c[i]
	}
	return c[:n]
}

// Sorted returns the sample in ascending order.
func (r *Reservoir) Sorted() []float64 {
	s := slices.Clone(r.Items)
	slices.Sort(s)
	return s
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of sorted values, by linear
// interpolation between the closest ranks (numpy's default).
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	frac := pos - float64(lo)
	return sorted[lo] + (sorted[hi]-sorted[lo])*frac
}
