package local

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers/runflow"
)

// benchTracker is the tracking store the ingest benchmark writes to: a
// real SQLite store, holding the run the points belong to.
func benchTracker(b *testing.B) runflow.Tracker {
	tr, err := runflow.OpenTracker(context.Background(), "sqlite://"+filepath.Join(b.TempDir(), "tracking.db"), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	if err := tr.CreateRun(context.Background(), runflow.RunRecord{ID: "run1", Status: training.StatusRunning}); err != nil {
		b.Fatal(err)
	}
	return tr
}
