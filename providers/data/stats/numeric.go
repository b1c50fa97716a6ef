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
	n.Sample.Merge(&o.Sample)
}
