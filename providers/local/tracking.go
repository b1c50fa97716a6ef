package local

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Tracker is what the provider needs of the tracking store. RunRecord and
// MetricRecord mirror tracking.Run and tracking.MetricPoint.
type Tracker interface {
	CreateRun(ctx context.Context, r RunRecord) error
	UpdateRun(ctx context.Context, r RunRecord) error
	// FindRunByFingerprint returns the newest finished run with the
	// fingerprint, or ErrNoRun.
	FindRunByFingerprint(ctx context.Context, fingerprint string) (RunRecord, error)
	LogMetrics(ctx context.Context, points []MetricRecord) error
	Close() error
}

// ErrNoRun is what a Tracker returns when no run matches.
var ErrNoRun = errors.New("no such run")

// RunRecord is one run in the tracking store.
type RunRecord struct {
	ID, ExperimentID, Name, Status, Fingerprint string
	// ExperimentName places the run when ExperimentID is empty: in the
	// experiment of that name, or "Default" when it is empty too.
	ExperimentName     string
	GitCommit          string
	GitDirty           bool
	Params             json.RawMessage
	Env                map[string]string
	ArtifactURI        string
	Metrics            map[string]float64
	Restarts           map[string]int
	Started, Finished  time.Time
	Address, Workspace string
}

// MetricRecord is one metric point.
type MetricRecord struct {
	RunID string
	Name  string
	Step  int64
	Value float64
	Time  time.Time
}
