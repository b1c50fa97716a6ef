package kubernetes

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestLiveSupervise100Runs measures what supervising many runs at once
// costs mltf: 100 trainings of 2 pods each, all supervised by one provider
// through the namespace's shared watches until they finish. It reports the
// provider process's CPU time and the API requests per run. Set
// MLTF_TEST_LOAD=1 to run it (scripts/test-kubernetes.sh -run Supervise100).
func TestLiveSupervise100Runs(t *testing.T) {
	if os.Getenv("MLTF_TEST_LOAD") != "1" {
		t.Skip("a measurement: set MLTF_TEST_LOAD=1")
	}
	const runs = 100
	h := newHarness(t, "mltf-it-load")
	ctx := context.Background()
	cfg := testClusterConfig(h.ns, 0, nil)
	m := cfg.AsValueMap()
	m["quota"] = cty.NullVal(m["quota"].Type())
	pool := m["pool"].Index(cty.StringVal("a100")).AsValueMap()
	pool["gpus_per_node"] = cty.NumberIntVal(0)
	pool["tolerations"] = cty.ListVal([]cty.Value{cty.MapVal(map[string]cty.Value{"key": cty.StringVal("nvidia.com/gpu"), "operator": cty.StringVal("Exists")})})
	m["pool"] = cty.MapVal(map[string]cty.Value{"cpu": cty.ObjectVal(pool)})
	cl, _ := h.apply(ctx, h.p, change{kind: kindCluster, address: "cluster.load", config: cty.ObjectVal(m)}, nil)
	if cl.Diagnostics.HasErrors() {
		t.Fatal(cl.Diagnostics)
	}
	defer h.destroy(h.p, kindCluster, "cluster.load", cl.New, cl.Private)
	cpuPool := poolOf(cl.New, "cpu")

	before := h.counter.total.Load()
	watchesBefore := h.counter.watches.Load()
	cpu0, wall0 := cpuTime(), time.Now()
	var wg sync.WaitGroup
	results := make([]cty.Value, runs)
	privs := make([][]byte, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := h.trainingFor(cpuPool, map[string]string{"kwok.mltf.dev/outcome": "succeed", "kwok.mltf.dev/after": "30s"}, 0, float64(i))
			cm := c.AsValueMap()
			cm["distributed"] = cty.ObjectVal(map[string]cty.Value{"nodes": cty.NumberIntVal(2), "procs_per_node": cty.NumberIntVal(1)})
			r, _ := h.apply(ctx, h.p, change{kind: kindTraining, address: fmt.Sprintf("training.run%03d", i), config: cty.ObjectVal(cm)}, nil)
			if r.Diagnostics.HasErrors() {
				t.Errorf("run %d: %v", i, r.Diagnostics)
			}
			results[i], privs[i] = r.New, r.Private
		}()
	}
	wg.Wait()
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	for i, v := range results {
		if f := training.FactsOf(v); f.Status != training.StatusFinished {
			t.Errorf("run %d: %q", i, f.Status)
		}
	}
	reqs := h.counter.total.Load() - before
	t.Logf("MEASURE %d concurrent 2-pod runs supervised for %s: mltf CPU %s (%.1f%% of one core), %d API requests (%.1f per run), %d watches in all",
		runs, wall.Round(time.Second), cpu.Round(time.Millisecond), 100*cpu.Seconds()/wall.Seconds(), reqs, float64(reqs)/runs, h.counter.watches.Load()-watchesBefore)
	for i := range results {
		h.destroy(h.p, kindTraining, fmt.Sprintf("training.run%03d", i), results[i], privs[i])
	}
}
