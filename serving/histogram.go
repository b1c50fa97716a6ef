package serving

import (
	"math"
	"sync/atomic"
	"time"
)

// Latency buckets: bucket i holds durations in [lowest*growth^(i-1),
// lowest*growth^i); bucket 0 everything below lowest. Quantiles read from
// them are within 10% of the truth, which is what an analysis compares
// with a bound like max_p99 = "100ms".
const (
	lowest     = 10 * time.Microsecond
	growth     = 1.1
	numBuckets = 170 // up to about 110 s
)

var logGrowth = math.Log(growth)

// Histogram counts durations in logarithmic buckets; safe for concurrent
// use. Snapshots are cumulative: a window is the difference of two.
type Histogram struct {
	counts [numBuckets]atomic.Int64
}

func bucketOf(d time.Duration) int {
	if d < lowest {
		return 0
	}
	i := 1 + int(math.Log(float64(d)/float64(lowest))/logGrowth)
	if i >= numBuckets {
		i = numBuckets - 1
	}
	return i
}

// upper is the upper bound of bucket i.
func upper(i int) time.Duration {
	return time.Duration(float64(lowest) * math.Pow(growth, float64(i)))
}

// Observe counts d.
func (h *Histogram) Observe(d time.Duration) { h.counts[bucketOf(d)].Add(1) }

// Snapshot returns the counts so far, trailing zeros cut.
func (h *Histogram) Snapshot() []int64 {
	out := make([]int64, numBuckets)
	last := -1
	for i := range out {
		out[i] = h.counts[i].Load()
		if out[i] != 0 {
			last = i
		}
	}
	return out[:last+1]
}

// Sub returns the counts of a minus those of b: the window between two
// snapshots.
func Sub(a, b []int64) []int64 {
	out := append([]int64(nil), a...)
	for i := range b {
		if i < len(out) {
			out[i] -= b[i]
		}
	}
	return out
}

// Quantile returns the q-quantile (0 < q <= 1) of counts, as the upper
// bound of the bucket that holds it; 0 for no counts.
func Quantile(counts []int64, q float64) time.Duration {
	var total int64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			return upper(i)
		}
	}
	return upper(len(counts) - 1)
}

// Total is the number of durations counted.
func Total(counts []int64) int64 {
	var n int64
	for _, c := range counts {
		n += c
	}
	return n
}
