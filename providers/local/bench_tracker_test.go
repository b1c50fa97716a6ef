package local

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mltf/mltf/providers/trainingkind"
)

// benchTracker is the tracking store the ingest benchmark writes to: a
// real SQLite store, holding the run the points belong to.
func benchTracker(b *testing.B) Tracker {
	tr, err := openTrackingStore(context.Background(), "sqlite://"+filepath.Join(b.TempDir(), "tracking.db"), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	if err := tr.CreateRun(context.Background(), RunRecord{ID: "run1", Status: trainingkind.StatusRunning}); err != nil {
		b.Fatal(err)
	}
	return tr
}
