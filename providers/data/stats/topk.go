package stats

import (
	"cmp"
	"slices"
)

// TopK counts the most frequent values of a stream with at most Cap
// counters (Misra-Gries). While the stream has no more than Cap distinct
// values the counts are exact; beyond that a count may be low by at most
// Total/Cap.
type TopK[K comparable] struct {
	Cap    int
	Counts map[K]int64
	Total  int64
	// Exact is false once a counter had to be dropped.
	Exact bool
}

// NewTopK returns an empty summary with capacity c.
func NewTopK[K comparable](c int) *TopK[K] {
	return &TopK[K]{Cap: c, Counts: make(map[K]int64), Exact: true}
}

// Add observes one value. keep returns the key to store for a new value (a
// copy of a string that points into a reused buffer).
func (t *TopK[K]) Add(v K, keep func(K) K) {
	t.Total++
	if c, ok := t.Counts[v]; ok {
		t.Counts[v] = c + 1
		return
	}
	if len(t.Counts) < t.Cap {
		if keep != nil {
			v = keep(v)
		}
		t.Counts[v] = 1
		return
	}
	// Full: decrement every counter, which also accounts for v.
	t.Exact = false
	for k, c := range t.Counts {
		if c <= 1 {
			delete(t.Counts, k)
		} else {
			t.Counts[k] = c - 1
		}
	}
}

// Merge folds o into t and trims t back to its capacity.
func (t *TopK[K]) Merge(o *TopK[K]) {
	t.Total += o.Total
	t.Exact = t.Exact && o.Exact
	for k, c := range o.Counts {
		t.Counts[k] += c
	}
	if len(t.Counts) <= t.Cap {
		return
	}
	t.Exact = false
	counts := make([]int64, 0, len(t.Counts))
	for _, c := range t.Counts {
		counts = append(counts, c)
	}
	slices.SortFunc(counts, func(a, b int64) int { return cmp.Compare(b, a) })
	cut := counts[t.Cap]
	for k, c := range t.Counts {
		if c <= cut {
			delete(t.Counts, k)
		} else {
			t.Counts[k] = c - cut
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
	es := make([]Entry[K], 0, len(t.Counts))
	for k, c := range t.Counts {
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
