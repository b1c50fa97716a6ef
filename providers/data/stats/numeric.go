package stats

import "math"

// Numeric accumulates a numeric column: count, min, max, mean and variance
// by Welford's algorithm, and a reservoir sample for quantiles.
type Numeric struct {
	N        int64
	Min, Max float64
	mean, m2 float64
	Sample   Reservoir
}

// NewNumeric returns an accumulator whose reservoir keeps k values and draws
// from a generator seeded with seed.
func NewNumeric(k int, seed uint64) *Numeric {
	return &Numeric{Sample: NewReservoir(k, seed)}
}

// Add observes one value. NaN and infinities must be filtered by the caller.
func (n *Numeric) Add(x float64) {
	n.N++
	if n.N == 1 {
		n.Min, n.Max = x, x
	} else {
		if x < n.Min {
			n.Min = x
		}
		if x > n.Max {
			n.Max = x
		}
	}
	d := x - n.mean
	n.mean += d / float64(n.N)
	n.m2 += d * (x - n.mean)
	n.Sample.Add(x)
}

// AddBatch observes xs: the same as Add for each, but two passes over the
// batch (sum, then squared deviations) instead of a division per value.
func (n *Numeric) AddBatch(xs []float64) {
	if len(xs) == 0 {
		return
	}
	mn, mx, sum := xs[0], xs[0], 0.0
	for _, x := range xs {
		sum += x
		if x < mn {
			mn = x
		}
		if x > mx {
			mx = x
		}
	}
	k := float64(len(xs))
	mean := sum / k
	var m2 float64
	for _, x := range xs {
		d := x - mean
		m2 += d * d
	}
	b := Numeric{N: int64(len(xs)), Min: mn, Max: mx, mean: mean, m2: m2}
	n.mergeMoments(&b)
	n.Sample.AddBatch(xs)
}

// Mean is the arithmetic mean; 0 when nothing was observed.
func (n *Numeric) Mean() float64 { return n.mean }

// Stddev is the population standard deviation.
func (n *Numeric) Stddev() float64 {
	if n.N < 2 {
		return 0
	}
	return math.Sqrt(n.m2 / float64(n.N))
}

// Merge folds o into n (Chan et al.'s parallel variance).
func (n *Numeric) Merge(o *Numeric) {
	n.mergeMoments(o)
	n.Sample.Merge(&o.Sample)
}

func (n *Numeric) mergeMoments(o *Numeric) {
	if o.N == 0 {
		return
	}
	if n.N == 0 {
		n.Min, n.Max = o.Min, o.Max
	} else {
		n.Min = math.Min(n.Min, o.Min)
		n.Max = math.Max(n.Max, o.Max)
	}
	total := n.N + o.N
	d := o.mean - n.mean
	n.mean += d * float64(o.N) / float64(total)
	n.m2 += o.m2 + d*d*float64(n.N)*float64(o.N)/float64(total)
	n.N = total
}
