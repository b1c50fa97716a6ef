package stats

import (
	"cmp"
	"iter"
	"slices"
)

// TopK counts the most frequent values of a stream with at most Cap
// counters (Misra-Gries). While the stream has no more than Cap distinct
// values the counts are exact; beyond that a count may be low by at most
// Total/Cap.
type TopK[K comparable] struct {
	Cap   int
	Total int64
	// Exact is false once a counter had to be dropped.
	Exact bool
	// slot maps a value to its counter in count. A counter is incremented
	// in place: assigning to an existing string key of a Go map replaces
	// the stored key with the one assigned, which for a string read from a
	// reused buffer would rename the counter when the buffer is reused.
	slot  map[K]int32
	count []int64
	free  []int32
}

// NewTopK returns an empty summary with capacity c.
func NewTopK[K comparable](c int) *TopK[K] {
	return &TopK[K]{Cap: c, slot: make(map[K]int32), Exact: true}
}

// Add observes one value. keep returns the key to store for a new value (a
// copy of a string that points into a reused buffer); v itself is never
// stored.
func (t *TopK[K]) Add(v K, keep func(K) K) {
	t.Total++
	if i, ok := t.slot[v]; ok {
		t.count[i]++
		return
	}
	if len(t.slot) < t.Cap {
		if keep != nil {
			v = keep(v)
		}
		t.put(v, 1)
		return
	}
	// Full: decrement every counter, which also accounts for v.
	t.Exact = false
	for k, i := range t.slot {
		if t.count[i] <= 1 {
			delete(t.slot, k)
			t.free = append(t.free, i)
		} else {
			t.count[i]--
		}
	}
}

// put adds a counter for k, which has none.
func (t *TopK[K]) put(k K, n int64) {
	var i int32
	if len(t.free) > 0 {
		i, t.free = t.free[len(t.free)-1], t.free[:len(t.free)-1]
		t.count[i] = n
	} else {
		i = int32(len(t.count))
		t.count = append(t.count, n)
	}
	t.slot[k] = i
}

// Set sets the count of k, adding a counter for it (beyond Cap) when it has
// none.
func (t *TopK[K]) Set(k K, n int64) {
	if i, ok := t.slot[k]; ok {
		t.count[i] = n
		return
	}
	t.put(k, n)
}

// Count returns the count of k, 0 when it has no counter.
func (t *TopK[K]) Count(k K) int64 {
	if i, ok := t.slot[k]; ok {
		return t.count[i]
	}
	return 0
}

// Len returns the number of counters.
func (t *TopK[K]) Len() int { return len(t.slot) }

// All yields every counted value and its count, in no order.
func (t *TopK[K]) All() iter.Seq2[K, int64] {
	return func(yield func(K, int64) bool) {
		for k, i := range t.slot {
			if !yield(k, t.count[i]) {
				return
			}
		}
	}
}

// Merge folds o into t and trims t back to its capacity.
func (t *TopK[K]) Merge(o *TopK[K]) {
	t.Total += o.Total
	t.Exact = t.Exact && o.Exact
	for k, c := range o.All() {
		if i, ok := t.slot[k]; ok {
			t.count[i] += c
		} else {
			t.put(k, c)
		}
	}
	if len(t.slot) <= t.Cap {
		return
	}
	t.Exact = false
	counts := make([]int64, 0, len(t.slot))
	for _, i := range t.slot {
		counts = append(counts, t.count[i])
	}
	slices.SortFunc(counts, func(a, b int64) int { return cmp.Compare(b, a) })
	cut := counts[t.Cap]
	for k, i := range t.slot {
		if t.count[i] <= cut {
			delete(t.slot, k)
			t.free = append(t.free, i)
		} else {
			t.count[i] -= cut
		}
	}
}

// Entry is one value and its count.
type Entry[K comparable] struct {
	Value K
	Count int64
}

// Top returns the n most frequent values, most frequent first; ties are
// ordered by less.
func (t *TopK[K]) Top(n int, less func(a, b K) int) []Entry[K] {
	es := make([]Entry[K], 0, len(t.slot))
	for k, c := range t.All() {
		es = append(es, Entry[K]{k, c})
	}
	slices.SortFunc(es, func(a, b Entry[K]) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return less(a.Value, b.Value)
	})
	if len(es) > n {
		es = es[:n]
	}
	return es
}
