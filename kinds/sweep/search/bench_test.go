package search

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// BenchmarkTPESuggest measures one TPE suggestion (what Study.Ask spends)
// after 1,000 and 10,000 finished trials on the 6-parameter Hartmann space.
// Targets: under 0.2 ms at 1,000 and under 1 ms at 10,000.
//
//	go test -run '^$' -bench TPESuggest ./kinds/sweep/search
//
// cpu-ns/op is the process's CPU time per suggestion, which is what ns/op
// would be on an idle machine (the benchmark runs on one goroutine).
func BenchmarkTPESuggest(b *testing.B) {
	for _, mode := range []struct {
		name string
		o    TPEOptions
	}{{"joint", TPEOptions{}}, {"independent", TPEOptions{Independent: true}}} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/trials=%d", mode.name, n), func(b *testing.B) {
				st := studyWithHistory(b, hartmann6, TPE(mode.o), n)
				next := len(st.trials)
				cpu := cpuTime()
				for b.Loop() {
					st.opt.Sampler.sample(st, next, st.rng(next, 0))
				}
				// On a shared machine wall time includes waiting for a
				// core; the CPU time the process used is the figure.
				b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// studyWithHistory restores a study with n finished trials at random points.
func studyWithHistory(tb testing.TB, obj objective, sampler Sampler, n int) *Study {
	st, err := New(Options{Space: obj.space, Goal: Minimize, Sampler: sampler, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	trials := make([]Trial, n)
	for i := range trials {
		x := sampleUniform(obj.space, r)
		trials[i] = Trial{Number: i, Params: x, State: Complete, Value: obj.f(x)}
	}
	if err := st.Restore(trials); err != nil {
		tb.Fatal(err)
	}
	return st
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
