package tracking_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mltf/mltf/state/tracking"
)

// walSize is the size of the SQLite database's write-ahead log, 0 when
// there is none.
func walSize(t *testing.T, db string) int64 {
	t.Helper()
	fi, err := os.Stat(db + "-wal")
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestWALSmallAfterClose: an apply's metric points go through the
// write-ahead log; when the apply's store closes, the log is checkpointed
// and truncated, also while another process (mltf server) keeps the
// database open, which keeps SQLite from removing it.
func TestWALSmallAfterClose(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tracking.db")
	server, err := tracking.Open(ctx, "sqlite://"+db, "")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if _, err := server.ListExperiments(ctx); err != nil {
		t.Fatal(err)
	}

	apply, err := tracking.Open(ctx, "sqlite://"+db, "")
	if err != nil {
		t.Fatal(err)
	}
	run := logPoints(t, apply, 20)
	grown := walSize(t, db)
	if err := apply.Close(); err != nil {
		t.Fatal(err)
	}
	if n := walSize(t, db); n > 0 {
		t.Errorf("the write-ahead log is %d bytes after the writer closed (%d bytes before); want it truncated", n, grown)
	}
	// Nothing is lost: the server reads what the apply wrote.
	pts, err := server.MetricHistory(ctx, run.ID, "loss")
	if err != nil || len(pts) != 100_000 {
		t.Errorf("the server reads %d points (%v), want 100000", len(pts), err)
	}
}

// logPoints logs batches of 5,000 loss points of a new run in s, one
// transaction each.
func logPoints(t *testing.T, s *tracking.Store, batches int) tracking.Run {
	t.Helper()
	e, err := s.CreateExperiment(ctx, tracking.Experiment{Name: "wal"})
	if err != nil {
		t.Fatal(err)
	}
	run := tracking.Run{ID: "r-wal", ExperimentID: e.ID, Name: "wal", Status: tracking.StatusRunning}
	if err := s.CreateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	for batch := range batches {
		pts := make([]tracking.MetricPoint, 5000)
		for i := range pts {
			pts[i] = tracking.MetricPoint{RunID: run.ID, Name: "loss", Step: int64(batch*len(pts) + i), Value: 1 / float64(i+1)}
		}
		if err := s.LogMetrics(ctx, pts); err != nil {
			t.Fatal(err)
		}
	}
	return run
}

// TestWALCheckpointWhileReading: another process reading from the log
// when a writer closes keeps the checkpoint from truncating it; the close
// still succeeds, the reader keeps its snapshot, and nothing is lost.
func TestWALCheckpointWhileReading(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tracking.db")
	apply, err := tracking.Open(ctx, "sqlite://"+db, "")
	if err != nil {
		t.Fatal(err)
	}
	run := logPoints(t, apply, 2)
	reader := rawDB(t, db)
	tx, err := reader.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var before int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM runs`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := apply.Close(); err != nil {
		t.Fatalf("close while another process reads: %v", err)
	}
	var during int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM runs`).Scan(&during); err != nil || during != before {
		t.Errorf("the reader's snapshot changed: %d runs, then %d (%v)", before, during, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	again, err := tracking.Open(ctx, "sqlite://"+db, "")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	pts, err := again.MetricHistory(ctx, run.ID, "loss")
	if err != nil || len(pts) != 10_000 {
		t.Errorf("read %d points (%v) after the close, want 10000", len(pts), err)
	}
}
