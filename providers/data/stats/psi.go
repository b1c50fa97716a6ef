package stats

import "math"

// psiFloor replaces empty bins, whose log ratio would be infinite.
const psiFloor = 1e-4

// PSI is the population stability index between an expected (baseline)
// and an actual distribution over the same bins: Σ (a−e)·ln(a/e). Below
// 0.1 is usually read as no shift, 0.1–0.2 as moderate, above 0.2 as
// significant.
func PSI(expected, actual []float64) float64 {
	var sum float64
	for i := range expected {
		e := math.Max(expected[i], psiFloor)
		a := math.Max(actual[i], psiFloor)
		sum += (a - e) * math.Log(a/e)
	}
	return sum
}

// NumericPSI measures the drift of sorted current values against a
// baseline histogram, in the baseline's bins.
func NumericPSI(base *Histogram, sorted []float64) (float64, bool) {
	if base == nil || len(sorted) == 0 {
		return 0, false
	}
	return PSI(base.Fractions, Fractions(base.Edges, sorted)), true
}

// CategoricalPSI measures the drift of a categorical column: the bins are
// the baseline's top values and one bin for all other values. count gives
// the current number of a value; current is the current non-null total.
func CategoricalPSI(base Summary, count func(string) int64, current int64) (float64, bool) {
	if base.Count == 0 || current == 0 || len(base.Top) == 0 {
		return 0, false
	}
	expected := make([]float64, 0, len(base.Top)+1)
	actual := make([]float64, 0, len(base.Top)+1)
	var eSum, aSum float64
	for _, vc := range base.Top {
		e := float64(vc.Count) / float64(base.Count)
		a := float64(count(vc.Value)) / float64(current)
		expected, actual = append(expected, e), append(actual, a)
		eSum, aSum = eSum+e, aSum+a
	}
	expected = append(expected, math.Max(0, 1-eSum))
	actual = append(actual, math.Max(0, 1-aSum))
	return PSI(expected, actual), true
}
