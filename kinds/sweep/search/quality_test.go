package search

import (
	"fmt"
	"sort"
	"testing"
)

// Optuna 3.1's TPESampler (Debian python3-optuna, default options, seeds
// 0..9): median of the best value after N sequential trials, measured with
// testdata/optuna_benchmark.py (scripts/compare-optuna.sh runs both sides).
var optunaTPE = map[string]map[int]float64{
	"branin":    {50: 0.579, 100: 0.414},
	"hartmann6": {50: -2.747, 100: -3.046},
}

// medians runs a sampler over seeds 0..9 and returns the median best value
// after each budget.
func medians(t testing.TB, obj objective, sampler func() Sampler, budgets ...int) map[int]float64 {
	last := budgets[len(budgets)-1]
	at := map[int][]float64{}
	for seed := range uint64(10) {
		trace := bestSoFar(t, obj, sampler(), seed, last)
		for _, b := range budgets {
			at[b] = append(at[b], trace[b-1])
		}
	}
	out := map[int]float64{}
	for b, v := range at {
		sort.Float64s(v)
		out[b] = (v[4] + v[5]) / 2
	}
	return out
}

func TestTPEBeatsOptuna(t *testing.T) {
	for _, obj := range []objective{branin, hartmann6} {
		t.Run(obj.name, func(t *testing.T) {
			got := medians(t, obj, func() Sampler { return TPE(TPEOptions{}) }, 50, 100)
			for _, n := range []int{50, 100} {
				want := optunaTPE[obj.name][n]
				t.Logf("%s @%d: median best %.3f (Optuna TPE %.3f)", obj.name, n, got[n], want)
				if got[n] > want {
					t.Errorf("%s @%d: median best %.3f is worse than Optuna's %.3f", obj.name, n, got[n], want)
				}
			}
		})
	}
}

// TestSamplerComparison prints the medians of every sampler configuration,
// for the figures in docs/sweeps.md (go test -run SamplerComparison -v).
func TestSamplerComparison(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("prints figures; run with -v")
	}
	configs := []struct {
		name string
		new  func() Sampler
	}{
		{"random", Random},
		{"tpe independent", func() Sampler { return TPE(TPEOptions{Independent: true}) }},
		{"tpe", func() Sampler { return TPE(TPEOptions{}) }},
	}
	for _, obj := range []objective{branin, hartmann6} {
		for _, c := range configs {
			m := medians(t, obj, c.new, 50, 100)
			fmt.Printf("%-10s %-16s @50 %7.3f  @100 %7.3f\n", obj.name, c.name, m[50], m[100])
		}
	}
}
