package stats

import (
	"math"
	"sort"
	"strconv"
)

// TopN is how many top values a summary keeps.
const TopN = 20

// Summary is the stored form of one column's statistics. Numeric fields are
// nil for columns that have no numbers (strings, booleans) or no values.
type Summary struct {
	Type      string             `json:"type"`
	Count     int64              `json:"count"` // non-null values
	Nulls     int64              `json:"nulls"`
	Min       *float64           `json:"min,omitempty"`
	Max       *float64           `json:"max,omitempty"`
	Mean      *float64           `json:"mean,omitempty"`
	Stddev    *float64           `json:"stddev,omitempty"`
	Quantiles map[string]float64 `json:"quantiles,omitempty"`
	// Top are the most frequent values of a categorical column, most
	// frequent first. TopExact is false when the column had more distinct
	// values than the summary could count exactly.
	Top      []ValueCount `json:"top,omitempty"`
	TopExact bool         `json:"top_exact,omitempty"`
	// Histogram is the numeric distribution drift is measured against.
	Histogram *Histogram `json:"histogram,omitempty"`
}

// ValueCount is one top value.
type ValueCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Histogram splits the number line at Edges (ascending, distinct) into
// len(Edges)+1 bins: (-inf, e0], (e0, e1], ..., (e_last, +inf). Fractions
// are the share of values in each bin.
type Histogram struct {
	Edges     []float64 `json:"edges"`
	Fractions []float64 `json:"fractions"`
}

// QuantileNames are the quantiles a summary reports, by name.
var QuantileNames = []struct {
	Name string
	Q    float64
}{{"p05", 0.05}, {"p25", 0.25}, {"p50", 0.5}, {"p75", 0.75}, {"p95", 0.95}}

// HistogramBins is the number of bins of a numeric histogram (deciles).
const HistogramBins = 10

// FillNumeric sets the numeric fields of s from n.
func (s *Summary) FillNumeric(n *Numeric) {
	if n.N == 0 {
		return
	}
	s.Min, s.Max = ptr(n.Min), ptr(n.Max)
	s.Mean, s.Stddev = finite(round(n.Mean())), finite(round(n.Stddev()))
	sorted := n.Sample.Sorted()
	s.Quantiles = make(map[string]float64, len(QuantileNames))
	for _, q := range QuantileNames {
		s.Quantiles[q.Name] = round(Quantile(sorted, q.Q))
	}
	s.Histogram = NewHistogram(sorted)
}

// FillTop sets the top values of s from a summary of string keys.
func (s *Summary) FillTop(t *TopK[string]) {
	for _, e := range t.Top(TopN, compareStrings) {
		s.Top = append(s.Top, ValueCount{e.Value, e.Count})
	}
	s.TopExact = t.Exact
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// NewHistogram bins sorted values at their deciles.
func NewHistogram(sorted []float64) *Histogram {
	if len(sorted) == 0 {
		return nil
	}
	var edges []float64
	for i := 1; i < HistogramBins; i++ {
		e := Quantile(sorted, float64(i)/HistogramBins)
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	// A single distinct value: one edge at it, everything in the first bin.
	return &Histogram{Edges: edges, Fractions: Fractions(edges, sorted)}
}

// Fractions returns the share of sorted values in each bin of edges.
func Fractions(edges, sorted []float64) []float64 {
	counts := make([]float64, len(edges)+1)
	for _, x := range sorted {
		counts[sort.SearchFloat64s(edges, x)]++
	}
	for i := range counts {
		counts[i] /= float64(len(sorted))
	}
	return counts
}

func ptr(x float64) *float64 { return &x }

// round keeps 12 significant digits, so that interpolation noise
// (0.15000000000000002) does not reach the state.
func round(x float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	if err != nil {
		return x
	}
	return r
}

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
