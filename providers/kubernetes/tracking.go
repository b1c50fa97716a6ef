package kubernetes

import (
	"context"
	"errors"
	"sync"

	"github.com/mltf/mltf/state/tracking"
)

// Tracker is what the provider needs of the tracking store; *tracking.Store
// has it, wrapped by storeTracker to place runs in experiments by name.
type Tracker interface {
	CreateRun(ctx context.Context, r tracking.Run, experimentName string) error
	UpdateRun(ctx context.Context, r tracking.Run, experimentName string) error
	FindRunByFingerprint(ctx context.Context, fingerprint string) (tracking.Run, error)
	LogMetrics(ctx context.Context, pts []tracking.MetricPoint) error
	Close() error
}

type storeTracker struct {
	s           *tracking.Store
	mu          sync.Mutex
	experiments map[string]string // id by name
}

func openTrackingStore(ctx context.Context, url, workDir string) (Tracker, error) {
	s, err := tracking.Open(ctx, url, workDir)
	if err != nil {
		return nil, err
	}
	return &storeTracker{s: s, experiments: map[string]string{}}, nil
}

// place sets the run's experiment: its id when known, else the experiment
// of the name (made when missing), else "Default".
func (t *storeTracker) place(ctx context.Context, r *tracking.Run, name string) error {
	if r.ExperimentID != "" {
		return nil
	}
	if name == "" {
		name = "Default"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.experiments[name]; ok {
		r.ExperimentID = id
		return nil
	}
	e, err := t.s.GetExperimentByName(ctx, name)
	if errors.Is(err, tracking.ErrNotFound) {
		e, err = t.s.CreateExperiment(ctx, tracking.Experiment{Name: name})
	}
	if err != nil {
		return err
	}
	t.experiments[name] = e.ID
	r.ExperimentID = e.ID
	return nil
}

func (t *storeTracker) CreateRun(ctx context.Context, r tracking.Run, exp string) error {
	if err := t.place(ctx, &r, exp); err != nil {
		return err
	}
	return t.s.CreateRun(ctx, r)
}

func (t *storeTracker) UpdateRun(ctx context.Context, r tracking.Run, exp string) error {
	if err := t.place(ctx, &r, exp); err != nil {
		return err
	}
	return t.s.UpdateRun(ctx, r)
}

func (t *storeTracker) FindRunByFingerprint(ctx context.Context, fp string) (tracking.Run, error) {
	return t.s.FindRunByFingerprint(ctx, fp)
}

func (t *storeTracker) LogMetrics(ctx context.Context, pts []tracking.MetricPoint) error {
	return t.s.LogMetrics(ctx, pts)
}

func (t *storeTracker) Close() error { return t.s.Close() }
