package search

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// report feeds a trial's values step by step (from step 1) and returns the
// step at which it was pruned, 0 if never.
func report(t *testing.T, st *Study, values ...float64) int {
	t.Helper()
	tr, _ := st.Ask()
	for i, v := range values {
		prune, err := st.Report(tr.Number, i+1, v)
		if err != nil {
			t.Fatal(err)
		}
		if prune {
			st.Tell(tr.Number, Pruned, 0)
			return i + 1
		}
	}
	st.Tell(tr.Number, Complete, values[len(values)-1])
	return 0
}

func TestASHARungs(t *testing.T) {
	st, _ := New(Options{Space: Space{{Name: "x", Dist: Uniform, Low: 0, High: 1}}, Goal: Minimize,
		Sampler: Random(), Pruner: ASHA(ASHAOptions{MinStep: 1, ReductionFactor: 3})})
	// Rungs at steps 1, 3, 9. Minimizing: lower is better.
	got := []int{
		report(t, st, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1), // first at every rung: runs to the end
		report(t, st, 6, 1),                         // rung 0 holds 2 < η values: not the best, pruned at 1
		report(t, st, 4, 4, 2.5),                    // best at rung 0; at rung 1 (step 3) beats 3: goes on
		report(t, st, 4.5, 4, 2.8, 2, 1.5),          // rung 0 holds 4: top 1/3 is the best one only (4 < 4.5): pruned
	}
	want := []int{0, 1, 0, 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("pruned at steps (-want +got):\n%s", diff)
	}
	// Rung 0 holds 5, 6, 4, 4.5. With a fifth value only the best carries
	// on; with six, the best two.
	got = []int{report(t, st, 4.2, 9), report(t, st, 4.1, 3, 2)}
	if diff := cmp.Diff([]int{1, 0}, got); diff != "" {
		t.Fatalf("pruned at steps (-want +got):\n%s", diff)
	}
}

func TestMedianPruner(t *testing.T) {
	st, _ := New(Options{Space: Space{{Name: "x", Dist: Uniform, Low: 0, High: 1}}, Goal: Maximize,
		Sampler: Random(), Pruner: Median(MedianOptions{Startup: 3, MinStep: 2})})
	for _, v := range []float64{0.5, 0.6, 0.7} {
		if p := report(t, st, v, v, v); p != 0 {
			t.Fatalf("a startup trial was pruned at %d", p)
		}
	}
	// The median at step 2 is 0.6: a trial whose best so far is below is
	// pruned there, not at step 1 (before MinStep).
	if p := report(t, st, 0.1, 0.55, 0.9); p != 2 {
		t.Fatalf("pruned at %d, want 2", p)
	}
	if p := report(t, st, 0.1, 0.65, 0.9); p != 0 {
		t.Fatalf("a trial above the median was pruned at %d", p)
	}
}

// A step reported again after a resume from a checkpoint is ignored.
func TestRepeatedStepIgnored(t *testing.T) {
	st, _ := New(Options{Space: Space{{Name: "x", Dist: Uniform, Low: 0, High: 1}}, Goal: Minimize,
		Sampler: Random(), Pruner: ASHA(ASHAOptions{})})
	tr, _ := st.Ask()
	for _, step := range []int{1, 2, 2, 1, 3} {
		if _, err := st.Report(tr.Number, step, float64(step)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := st.Trial(tr.Number)
	if diff := cmp.Diff([]Point{{1, 1}, {2, 2}, {3, 3}}, got.Points); diff != "" {
		t.Fatalf("points (-want +got):\n%s", diff)
	}
}

// No rung sits at the last step of a trial, which the complete trials
// reveal: stopping a trial there saves nothing.
func TestASHANoRungAtTheLastStep(t *testing.T) {
	st, _ := New(Options{Space: Space{{Name: "x", Dist: Uniform, Low: 0, High: 1}}, Goal: Minimize,
		Sampler: Random(), Pruner: ASHA(ASHAOptions{MinStep: 1, ReductionFactor: 3})})
	report(t, st, 1, 1, 1) // complete after 3 steps: rungs at 1 only
	if p := report(t, st, 0.5, 9, 9); p != 0 {
		t.Fatalf("pruned at step %d, the last step", p)
	}
	if p := report(t, st, 2, 0, 0); p != 1 {
		t.Fatalf("pruned at %d, want 1", p)
	}
}
