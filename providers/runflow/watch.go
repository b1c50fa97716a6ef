package runflow

import (
	"context"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
)

// Watch is where a backend reports a run while the flow carries it out:
// log lines, progress and metric points become events for the engine,
// metric points and the run's record go to the tracking store, and a new
// partial state (after a restart) is saved at once.
type Watch struct {
	events  func(providers.Event) // nil: no one listens (refresh, destroy)
	tracker Tracker
	config  cty.Value // the resource's configuration, for partial values
	priv    *Private
	record  RunRecord // what the tracking store says of the run but its facts
	points  []MetricRecord
	diags   providers.Diagnostics
}

// maxPending is how many metric points a Watch holds before it writes
// them to the tracking store unasked.
const maxPending = 1000

func (w *Watch) emit(e providers.Event) {
	if w.events == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	w.events(e)
}

// Log reports one line of output; source is "rank 0", "node 1",
// "supervisor" or "mltf".
func (w *Watch) Log(source, line string) {
	w.emit(providers.Event{Type: providers.EventLog, Log: &providers.LogLine{Source: source, Line: line}})
}

// Progress reports where the run stands.
func (w *Watch) Progress(p providers.Progress) {
	w.emit(providers.Event{Type: providers.EventProgress, Progress: &p})
}

// Metric reports one metric point of the run (from rank 0), at the time
// it was measured; it reaches the tracking store at the next Flush.
func (w *Watch) Metric(name string, step int64, value float64, at time.Time) {
	w.emit(providers.Event{Type: providers.EventMetric, Time: at, Metric: &providers.MetricPoint{Name: name, Step: step, Value: value}})
	w.points = append(w.points, MetricRecord{RunID: w.record.ID, Name: name, Step: step, Value: value, Time: at})
	if len(w.points) >= maxPending {
		w.Flush(context.Background())
	}
}

// Flush writes the pending metric points to the tracking store. A failure
// is reported (once) as a warning of the change, and returned.
func (w *Watch) Flush(ctx context.Context) error {
	pts := w.points
	w.points = nil
	if len(pts) == 0 || w.tracker == nil {
		return nil
	}
	err := w.tracker.LogMetrics(ctx, pts)
	if err != nil {
		w.warnOnce("Cannot write metrics to the tracking store", err.Error())
	}
	return err
}

// Checkpoint saves the run's facts and locator as the resource's partial
// state at once, e.g. after a restart made a new attempt.
func (w *Watch) Checkpoint(f training.RunFacts, where any) {
	w.priv.setWhere(where)
	w.emit(providers.Event{Type: providers.EventPartial, Partial: ctyval.With(w.config, f.Values()), PartialPrivate: w.priv.Encode()})
}

// Warn adds a warning to the change's diagnostics.
func (w *Watch) Warn(summary, detail string) {
	w.diags = append(w.diags, providers.Diagnostic{Severity: providers.Warning, Summary: summary, Detail: detail})
}

func (w *Watch) warnOnce(summary, detail string) {
	for _, d := range w.diags {
		if d.Summary == summary {
			return
		}
	}
	w.Warn(summary, detail)
}

// Record writes the run's facts to the tracking store: create for a run
// just launched, else update. env, when not nil, replaces what the record
// says of where the run runs.
func (w *Watch) Record(ctx context.Context, f training.RunFacts, env map[string]string, create bool) {
	if w.tracker == nil {
		return
	}
	r := w.record
	if env != nil {
		r.Env = env
	}
	r.Status, r.Fingerprint, r.ArtifactURI = f.Status, f.Fingerprint, f.ArtifactURI
	r.Metrics, r.Restarts, r.Started, r.Finished = f.Metrics, f.Restarts, f.Started, f.Finished
	if f.RunID != "" {
		r.ID = f.RunID
	}
	var err error
	if create {
		err = w.tracker.CreateRun(ctx, r)
	} else {
		err = w.tracker.UpdateRun(ctx, r)
	}
	if err != nil {
		summary := "Cannot record the run in the tracking store"
		if f.Status == training.StatusCancelled {
			summary = "Cannot record the cancelled run in the tracking store"
		}
		w.Warn(summary, err.Error())
	}
}

// Diagnostics are the warnings reported so far.
func (w *Watch) Diagnostics() providers.Diagnostics { return w.diags }

// NewWatch makes a Watch that sends the events of run runID to events
// (nil: none) and its metric points and record to tr (nil: none), for
// code that follows a gang itself.
func NewWatch(tr Tracker, runID string, events func(providers.Event)) *Watch {
	return &Watch{events: events, tracker: tr, config: cty.EmptyObjectVal, priv: &Private{}, record: RunRecord{ID: runID}}
}
