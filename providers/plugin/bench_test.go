package plugin_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin"
)

// BenchmarkPlanChange measures one PlanChange of a trivial kind (a create:
// the computed id planned unknown) in-process and through a plugin
// process, and reports the median round trip as median-µs.
//
//	go test -run '^$' -bench PlanChange ./providers/plugin/
func BenchmarkPlanChange(b *testing.B) {
	cfg := cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("a"), "id": cty.NullVal(cty.String)})
	req := providers.PlanChangeRequest{Kind: "trivial", Address: "trivial.a", Prior: cty.NullVal(cfg.Type()), Config: cfg, Proposed: cfg}
	run := func(b *testing.B, p providers.Interface) {
		ctx := context.Background()
		if r := p.PlanChange(ctx, req); r.Diagnostics.HasErrors() {
			b.Fatal(r.Diagnostics)
		}
		times := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			r := p.PlanChange(ctx, req)
			times = append(times, time.Since(t0))
			if r.Diagnostics.HasErrors() {
				b.Fatal(r.Diagnostics)
			}
		}
		b.StopTimer()
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		b.ReportMetric(float64(times[len(times)/2].Nanoseconds())/1e3, "median-µs")
	}
	b.Run("in-process", func(b *testing.B) { run(b, newTestProvider()) })
	b.Run("plugin", func(b *testing.B) {
		p, err := plugin.StartConfig(context.Background(), plugin.Config{Name: "bench", Cmd: selfCmd("plugin")})
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		run(b, p)
	})
}
