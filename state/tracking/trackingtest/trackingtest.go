// Package trackingtest is the conformance suite every tracking database
// passes: experiments, runs, metric points, model versions and aliases,
// run tags and batches, registered models, API tokens, deleted and
// restored runs and experiments, pipeline runs, concurrent writers
// and concurrent opening. Run it from each database's
// tests:
//
//	trackingtest.Run(t, func(t *testing.T) string { return "sqlite://" + ... })
package trackingtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mltf/mltf/state/tracking"
)

// NewURL returns the URL of a new, empty tracking database. Opening it
// twice opens the same database.
type NewURL func(t *testing.T) string

// Run runs the suite.
func Run(t *testing.T, newURL NewURL) {
	tests := []struct {
		name string
		run  func(*testing.T, NewURL)
	}{
		{"Experiments", testExperiments},
		{"ExperimentUpdateDeleteList", testExperimentUpdateDeleteList},
		{"ExperimentErrors", testExperimentErrors},
		{"LogMetrics", testLogMetrics},
		{"LogMetricsErrors", testLogMetricsErrors},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ModelVersionRoundTrip", testModelVersionRoundTrip},
		{"ModelVersionErrors", testModelVersionErrors},
		{"AliasMoves", testAliasMoves},
		{"RunRoundTrip", testRunRoundTrip},
		{"RunUpdate", testRunUpdate},
		{"RunErrors", testRunErrors},
		{"ListRuns", testListRuns},
		{"SearchRuns", testSearchRuns},
		{"FindRunByFingerprint", testFindRunByFingerprint},
		{"OpenConcurrently", testOpenConcurrently},
		{"LogBatch", testLogBatch},
		{"RegisteredModels", testRegisteredModels},
		{"Tokens", testTokens},
		{"DeleteRestoreRun", testDeleteRestoreRun},
		{"RestoreExperiment", testRestoreExperiment},
		{"PipelineRuns", testPipelineRuns},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newURL) })
	}
}

var ctx = context.Background()

func open(t *testing.T, newURL NewURL) *tracking.Store {
	t.Helper()
	s, err := tracking.Open(ctx, newURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want one containing %q", err, want)
	}
}

// NewRun records a running run in a new experiment of s.
func NewRun(tb testing.TB, s *tracking.Store) tracking.Run {
	tb.Helper()
	e, err := s.CreateExperiment(ctx, tracking.Experiment{Name: "e-" + tracking.NewID()})
	if err != nil {
		tb.Fatal(err)
	}
	r := tracking.Run{ID: tracking.NewID(), ExperimentID: e.ID, Status: tracking.StatusRunning, Started: time.Now()}
	if err := s.CreateRun(ctx, r); err != nil {
		tb.Fatal(err)
	}
	return r
}
