package search

import "math"

// The benchmark functions of the quality test, the same as in
// testdata/optuna_benchmark.py.

type objective struct {
	name  string
	space Space
	f     func(x []float64) float64
}

var branin = objective{
	name:  "branin",
	space: Space{{Name: "x1", Dist: Uniform, Low: -5, High: 10}, {Name: "x2", Dist: Uniform, Low: 0, High: 15}},
	f: func(x []float64) float64 {
		b, c, t := 5.1/(4*math.Pi*math.Pi), 5/math.Pi, 1/(8*math.Pi)
		y := x[1] - b*x[0]*x[0] + c*x[0] - 6
		return y*y + 10*(1-t)*math.Cos(x[0]) + 10
	},
}

var hartmann6 = objective{
	name: "hartmann6",
	space: func() Space {
		sp := make(Space, 6)
		for j := range sp {
			sp[j] = Param{Name: "x" + string(rune('0'+j)), Dist: Uniform, Low: 0, High: 1}
		}
		return sp
	}(),
	f: func(x []float64) float64 {
		alpha := [4]float64{1.0, 1.2, 3.0, 3.2}
		a := [4][6]float64{{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14},
			{3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}}
		p := [4][6]float64{{1312, 1696, 5569, 124, 8283, 5886}, {2329, 4135, 8307, 3736, 1004, 9991},
			{2348, 1451, 3522, 2883, 3047, 6650}, {4047, 8828, 8732, 5743, 1091, 381}}
		sum := 0.0
		for i := range alpha {
			e := 0.0
			for j := range 6 {
				d := x[j] - p[i][j]*1e-4
				e += a[i][j] * d * d
			}
			sum += alpha[i] * math.Exp(-e)
		}
		return -sum
	},
}

// bestSoFar runs n sequential trials and returns the best value after each.
func bestSoFar(tb interface{ Fatal(...any) }, obj objective, sampler Sampler, seed uint64, n int) []float64 {
	st, err := New(Options{Space: obj.space, Goal: Minimize, Sampler: sampler, Seed: seed})
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]float64, n)
	best := math.Inf(1)
	for i := range n {
		t, ok := st.Ask()
		if !ok {
			tb.Fatal("sampler exhausted")
		}
		v := obj.f(t.Params)
		if err := st.Tell(t.Number, Complete, v); err != nil {
			tb.Fatal(err)
		}
		best = math.Min(best, v)
		out[i] = best
	}
	return out
}
