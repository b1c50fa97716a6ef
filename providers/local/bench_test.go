package local

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/runflow"
)

// BenchmarkMetricIngest measures how fast the metric points a supervisor
// recorded reach the tracking store: reading metrics.jsonl, turning each
// record into points and one batched LogMetrics call. newTracker picks
// the store; it reports points/s.
func BenchmarkMetricIngest(b *testing.B) {
	const records, perRecord = 25000, 4
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "spec.json"), []byte(`{}`), 0o644)
	f, _ := os.Create(filepath.Join(dir, "metrics.jsonl"))
	w := bufio.NewWriter(f)
	now := time.Now().UTC()
	for i := range records {
		b, _ := json.Marshal(launcher.Metric{Time: now, Step: int64(i), Attempt: 1,
			Values: map[string]float64{"loss": 0.5, "accuracy": 0.9, "lr": 0.01, "grad_norm": 1.5}})
		w.Write(append(b, '\n'))
	}
	w.Flush()
	f.Close()
	run := &launcher.Run{Dir: dir}
	tr := benchTracker(b)
	b.ResetTimer()
	points := 0
	for i := 0; i < b.N; i++ {
		os.Remove(filepath.Join(dir, trackedOffsetFile))
		n, err := ingest(context.Background(), run, runflow.NewWatch(tr, "run1", nil))
		if err != nil {
			b.Fatal(err)
		}
		points += n
	}
	if points != b.N*records*perRecord {
		b.Fatalf("ingested %d points, want %d", points, b.N*records*perRecord)
	}
	b.ReportMetric(float64(points)/b.Elapsed().Seconds(), "points/s")
}
