package runflow

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/state/tracking"
)

// Tracker is what the flow needs of the tracking store. RunRecord and
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

// OpenTracker opens the tracking store of package state/tracking at url.
func OpenTracker(ctx context.Context, url, workDir string) (Tracker, error) {
	s, err := tracking.Open(ctx, url, workDir)
	if err != nil {
		return nil, err
	}
	return &storeTracker{s: s, experiments: map[string]string{}}, nil
}

// storeTracker is the Tracker of package state/tracking.
type storeTracker struct {
	s *tracking.Store

	mu          sync.Mutex
	experiments map[string]string // id by name
}

// experimentID resolves where a run goes: its experiment's id, else the
// experiment of its name (made when missing), else "Default".
func (t *storeTracker) experimentID(ctx context.Context, r RunRecord) (string, error) {
	if r.ExperimentID != "" {
		return r.ExperimentID, nil
	}
	name := r.ExperimentName
	if name == "" {
		name = "Default"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.experiments[name]; ok {
		return id, nil
	}
	e, err := t.s.GetExperimentByName(ctx, name)
	if errors.Is(err, tracking.ErrNotFound) {
		e, err = t.s.CreateExperiment(ctx, tracking.Experiment{Name: name})
	}
	if err != nil {
		return "", err
	}
	t.experiments[name] = e.ID
	return e.ID, nil
}

func (t *storeTracker) toRun(ctx context.Context, r RunRecord) (tracking.Run, error) {
	exp, err := t.experimentID(ctx, r)
	if err != nil {
		return tracking.Run{}, err
	}
	status := r.Status
	if status == training.StatusCancelled {
		status = tracking.StatusKilled
	}
	return tracking.Run{
		ID: r.ID, ExperimentID: exp, Name: r.Name, Status: status, Fingerprint: r.Fingerprint,
		GitCommit: r.GitCommit, GitDirty: r.GitDirty, Params: r.Params, Env: r.Env, ArtifactURI: r.ArtifactURI,
		Metrics: r.Metrics, Restarts: r.Restarts, Started: r.Started, Finished: r.Finished,
		Address: r.Address, Workspace: r.Workspace,
	}, nil
}

func (t *storeTracker) CreateRun(ctx context.Context, r RunRecord) error {
	run, err := t.toRun(ctx, r)
	if err != nil {
		return err
	}
	return t.s.CreateRun(ctx, run)
}

func (t *storeTracker) UpdateRun(ctx context.Context, r RunRecord) error {
	run, err := t.toRun(ctx, r)
	if err != nil {
		return err
	}
	return t.s.UpdateRun(ctx, run)
}

func (t *storeTracker) FindRunByFingerprint(ctx context.Context, fp string) (RunRecord, error) {
	r, err := t.s.FindRunByFingerprint(ctx, fp)
	if errors.Is(err, tracking.ErrNotFound) {
		return RunRecord{}, ErrNoRun
	}
	if err != nil {
		return RunRecord{}, err
	}
	return RunRecord{
		ID: r.ID, ExperimentID: r.ExperimentID, Name: r.Name, Status: r.Status, Fingerprint: r.Fingerprint,
		GitCommit: r.GitCommit, GitDirty: r.GitDirty, Params: r.Params, Env: r.Env, ArtifactURI: r.ArtifactURI,
		Metrics: r.Metrics, Restarts: r.Restarts, Started: r.Started, Finished: r.Finished,
		Address: r.Address, Workspace: r.Workspace,
	}, nil
}

func (t *storeTracker) LogMetrics(ctx context.Context, pts []MetricRecord) error {
	out := make([]tracking.MetricPoint, len(pts))
	for i, p := range pts {
		out[i] = tracking.MetricPoint{RunID: p.RunID, Name: p.Name, Step: p.Step, Value: p.Value, Time: p.Time}
	}
	return t.s.LogMetrics(ctx, out)
}

func (t *storeTracker) Close() error { return t.s.Close() }
