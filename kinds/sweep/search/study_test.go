package search

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var mixed = Space{
	{Name: "lr", Dist: LogUniform, Low: 1e-4, High: 0.3},
	{Name: "hidden", Dist: Values, Choices: 3},
	{Name: "layers", Dist: Int, Low: 1, High: 4},
	{Name: "drop", Dist: Uniform, Low: 0, High: 0.5, Step: 0.05},
}

// curve is a synthetic training run: its value at each step, rising
// towards a ceiling that depends on the parameters.
func curve(x []float64, step int) float64 {
	ceiling := 1 - math.Abs(math.Log10(x[0])+2)/4 - 0.05*x[1] - 0.02*math.Abs(x[2]-2) - x[3]/4
	return ceiling * (1 - math.Exp(-float64(step)/3))
}

// drive runs trials to completion or pruning, maximizing the curve over 9
// steps, and returns the study.
func drive(t *testing.T, st *Study, trials int) {
	t.Helper()
	for range trials {
		tr, ok := st.Ask()
		if !ok {
			t.Fatal("sampler exhausted")
		}
		finish(t, st, tr)
	}
}

func finish(t *testing.T, st *Study, tr Trial) {
	t.Helper()
	for step := 1; step <= 9; step++ {
		v := curve(tr.Params, step)
		prune, err := st.Report(tr.Number, step, v)
		if err != nil {
			t.Fatal(err)
		}
		if prune {
			if err := st.Tell(tr.Number, Pruned, 0); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	if err := st.Tell(tr.Number, Complete, curve(tr.Params, 9)); err != nil {
		t.Fatal(err)
	}
}

func newStudy(t *testing.T, sampler Sampler, pruner Pruner, seed uint64) *Study {
	t.Helper()
	st, err := New(Options{Space: mixed, Goal: Maximize, Sampler: sampler, Pruner: pruner, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSameSeedSameTrials(t *testing.T) {
	for name, sampler := range map[string]func() Sampler{
		"random": Random,
		"tpe":    func() Sampler { return TPE(TPEOptions{}) },
		"tpe-independent": func() Sampler {
			return TPE(TPEOptions{Independent: true})
		},
	} {
		t.Run(name, func(t *testing.T) {
			a, b := newStudy(t, sampler(), ASHA(ASHAOptions{}), 7), newStudy(t, sampler(), ASHA(ASHAOptions{}), 7)
			drive(t, a, 40)
			drive(t, b, 40)
			if diff := cmp.Diff(a.Trials(), b.Trials()); diff != "" {
				t.Fatalf("same seed, different trials (-a +b):\n%s", diff)
			}
			c := newStudy(t, sampler(), ASHA(ASHAOptions{}), 8)
			drive(t, c, 40)
			if cmp.Equal(a.Trials()[0].Params, c.Trials()[0].Params) {
				t.Fatal("seeds 7 and 8 gave the same first trial")
			}
			for _, tr := range a.Trials() {
				for k, p := range mixed {
					if !p.Contains(tr.Params[k]) {
						t.Fatalf("trial %d: %v is not a value of %s", tr.Number, tr.Params[k], p.Name)
					}
				}
			}
		})
	}
}

// A study restored from its recorded trials, including running ones,
// continues exactly as the original: the same suggestions and the same
// pruning decisions.
func TestRestoreContinuesExactly(t *testing.T) {
	for name, pruner := range map[string]func() Pruner{
		"asha":   func() Pruner { return ASHA(ASHAOptions{}) },
		"median": func() Pruner { return Median(MedianOptions{}) },
	} {
		t.Run(name, func(t *testing.T) {
			orig := newStudy(t, TPE(TPEOptions{}), pruner(), 3)
			drive(t, orig, 25)
			// Two trials are running when the process dies: one has reported
			// three steps, the other none.
			r1, _ := orig.Ask()
			for step := 1; step <= 3; step++ {
				if _, err := orig.Report(r1.Number, step, curve(r1.Params, step)); err != nil {
					t.Fatal(err)
				}
			}
			r2, _ := orig.Ask()
			recorded := append([]Trial(nil), orig.Trials()...)

			restored := newStudy(t, TPE(TPEOptions{}), pruner(), 3)
			if err := restored.Restore(recorded); err != nil {
				t.Fatal(err)
			}
			for _, st := range []*Study{orig, restored} {
				tr, _ := st.Trial(r1.Number)
				for step := 4; step <= 9; step++ {
					prune, err := st.Report(tr.Number, step, curve(tr.Params, step))
					if err != nil {
						t.Fatal(err)
					}
					if prune {
						st.Tell(tr.Number, Pruned, 0)
						break
					}
				}
				if tr, _ := st.Trial(r1.Number); tr.State == Running {
					st.Tell(r1.Number, Complete, curve(tr.Params, 9))
				}
				tr2, _ := st.Trial(r2.Number)
				finish(t, st, tr2)
				drive(t, st, 15)
			}
			if diff := cmp.Diff(orig.Trials(), restored.Trials()); diff != "" {
				t.Fatalf("restored study diverged (-original +restored):\n%s", diff)
			}
		})
	}
}

func TestRestoreRejectsBadHistory(t *testing.T) {
	for name, tc := range map[string]struct {
		trials []Trial
		want   string
	}{
		"gap":          {[]Trial{{Number: 1, Params: []float64{0.01, 0, 1, 0}, State: Complete}}, "trial 0 is missing"},
		"out of space": {[]Trial{{Number: 0, Params: []float64{0.01, 3, 1, 0}, State: Complete}}, `not a value of parameter "hidden"`},
		"off the step": {[]Trial{{Number: 0, Params: []float64{0.01, 0, 1, 0.07}, State: Complete}}, `not a value of parameter "drop"`},
		"short":        {[]Trial{{Number: 0, Params: []float64{0.01}, State: Complete}}, "has 1 parameters"},
		"pruned bare":  {[]Trial{{Number: 0, Params: []float64{0.01, 0, 1, 0}, State: Pruned}}, "no intermediate value"},
	} {
		t.Run(name, func(t *testing.T) {
			st := newStudy(t, Random(), nil, 1)
			err := st.Restore(tc.trials)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Restore: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestGridVisitsEveryPointOnce(t *testing.T) {
	sp := Space{
		{Name: "a", Dist: Values, Choices: 3},
		{Name: "b", Dist: Int, Low: 1, High: 4},
		{Name: "c", Dist: Uniform, Low: 0, High: 0.5, Step: 0.25},
	}
	st, err := New(Options{Space: sp, Goal: Minimize, Sampler: Grid(), Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 36 {
		t.Fatalf("grid size %d, want 36", st.Size())
	}
	seen := map[[3]float64]bool{}
	for {
		tr, ok := st.Ask()
		if !ok {
			break
		}
		key := [3]float64{tr.Params[0], tr.Params[1], tr.Params[2]}
		if seen[key] {
			t.Fatalf("point %v visited twice", key)
		}
		seen[key] = true
		st.Tell(tr.Number, Complete, 0)
	}
	if len(seen) != 36 {
		t.Fatalf("visited %d points, want 36", len(seen))
	}
	first := st.Trials()[0].Params
	if cmp.Equal(first, []float64{0, 1, 0}) && cmp.Equal(st.Trials()[1].Params, []float64{0, 1, 0.25}) {
		t.Fatal("the grid is not shuffled")
	}
	if _, err := New(Options{Space: mixed, Goal: Minimize, Sampler: Grid()}); err == nil || !strings.Contains(err.Error(), `"lr"`) {
		t.Fatalf("grid over a continuous parameter: %v", err)
	}
}

func TestSpaceValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		p    Param
		want string
	}{
		"inverted":     {Param{Name: "a", Dist: Uniform, Low: 2, High: 1}, "above the high bound"},
		"log zero":     {Param{Name: "a", Dist: LogUniform, Low: 0, High: 1}, "above 0"},
		"log step":     {Param{Name: "a", Dist: LogUniform, Low: 1, High: 2, Step: 0.1}, "no step"},
		"int fraction": {Param{Name: "a", Dist: Int, Low: 0.5, High: 3}, "whole numbers"},
		"no values":    {Param{Name: "a", Dist: Values}, "at least one value"},
		"negative":     {Param{Name: "a", Dist: Uniform, Low: 0, High: 1, Step: -1}, "negative"},
		"nan":          {Param{Name: "a", Dist: Uniform, Low: math.NaN(), High: 1}, "finite"},
	} {
		t.Run(name, func(t *testing.T) {
			err := Space{tc.p}.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"a"`) {
				t.Fatalf("Validate: %v, want an error naming \"a\" with %q", err, tc.want)
			}
		})
	}
	if err := (Space{{Name: "a", Dist: Int, Low: 1, High: 2}, {Name: "a", Dist: Int, Low: 1, High: 2}}).Validate(); err == nil {
		t.Fatal("a duplicate name passed")
	}
}

func TestSteppedValuesSitOnTheGrid(t *testing.T) {
	p := Param{Name: "drop", Dist: Uniform, Low: 0, High: 0.52, Step: 0.05}
	got := p.Points()
	if len(got) != 11 || got[3] != 0.15 || got[10] != 0.5 {
		t.Fatalf("points %v", got)
	}
	st, _ := New(Options{Space: Space{p}, Goal: Minimize, Sampler: Random(), Seed: 1})
	for range 200 {
		tr, _ := st.Ask()
		v := tr.Params[0]
		if math.Round(v*100)/100 != v || !p.Contains(v) {
			t.Fatalf("%v is not on the 0.05 grid", v)
		}
		st.Tell(tr.Number, Complete, v)
	}
}

func TestRandomLogUniformSpreadsOverDecades(t *testing.T) {
	st, _ := New(Options{Space: Space{{Name: "lr", Dist: LogUniform, Low: 1e-4, High: 1}}, Goal: Minimize, Sampler: Random(), Seed: 2})
	below := 0
	for range 4000 {
		tr, _ := st.Ask()
		if tr.Params[0] < 1e-2 {
			below++
		}
		st.Tell(tr.Number, Complete, 0)
	}
	if below < 1800 || below > 2200 {
		t.Fatalf("%d of 4000 draws below 1e-2, want about half", below)
	}
}

func TestBestAndCounts(t *testing.T) {
	st := newStudy(t, Random(), nil, 1)
	for i, v := range []float64{0.5, 0.9, 0.7} {
		tr, _ := st.Ask()
		if i == 2 {
			st.Tell(tr.Number, Failed, 0)
			continue
		}
		st.Tell(tr.Number, Complete, v)
	}
	best, ok := st.Best()
	if !ok || best.Number != 1 || best.Value != 0.9 {
		t.Fatalf("best %+v %v, want trial 1 (0.9) of a maximized study", best, ok)
	}
	if c := st.Counts(); c[Complete] != 2 || c[Failed] != 1 {
		t.Fatalf("counts %v", c)
	}
	if err := st.Tell(0, Complete, 1); err == nil {
		t.Fatal("a finished trial was told again")
	}
}
