package pipeline

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/artifactstore"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/runflow"
	"github.com/mltf/mltf/providers/sdk"
)

// ScheduledTimeEnv is the variable through which mltf scheduler tells an
// apply the tick it runs for; steps get it as MLTF_SCHEDULED_TIME.
const ScheduledTimeEnv = "MLTF_SCHEDULED_TIME"

// apply runs the steps in order, a few at a time: each keeps its outputs
// when its key is the prior one or is cached, else runs. A failed step
// stops the steps that read from it; the others go on.
func (k *kind) apply(ctx context.Context, ch *sdk.Change) (cty.Value, providers.Diagnostics) {
	c, d := Decode(ch.Config, k.functions())
	if d.Diags.HasErrors() {
		return cty.NilVal, d.Diags
	}
	if len(d.Unknown) > 0 {
		return cty.NilVal, d.Diags.Errorf("Pipeline inputs still unknown", "%s not known at apply; this is a bug in mltf", strings.Join(d.Unknown, ", "))
	}
	prior, _ := DecodePrivate(ch.PriorPrivate)
	s := k.flow.Settings()
	store, err := OpenStore(ctx, s.ArtifactsURL, s.WorkDir)
	if err != nil {
		return cty.NilVal, d.Diags.FromError("Cannot open the step cache", err)
	}
	defer store.Close()
	_, base, _ := artifactstore.URL(s.ArtifactsURL, s.WorkDir, false)
	w := &walk{k: k, c: c, ch: ch, store: store, res: newResolver(s.WorkDir, base), base: base, prior: prior,
		scheduled: os.Getenv(ScheduledTimeEnv),
		priv:      Private{Steps: map[string]*Record{}, Order: c.Order, Code: map[string]training.Manifest{}, Applies: prior.Applies}}
	started := time.Now().UTC()
	diags := w.run(ctx)
	a := Apply{Started: started, Finished: time.Now().UTC(), ScheduledTime: w.scheduled, Status: "finished"}
	for _, r := range w.priv.Steps {
		switch {
		case r.Status == StatusFailed:
			a.Failed++
		case r.Status == StatusFinished && r.Cached:
			a.Cached++
		// Providers may keep a run's start to the second (Kubernetes).
		case r.Status == StatusFinished && !r.Started.IsZero() && !r.Started.Before(started.Truncate(time.Second)):
			a.Ran++
		}
	}
	switch {
	case a.Failed > 0:
		a.Status = "failed"
	case diags.HasErrors():
		a.Status = "interrupted"
	}
	w.priv.Applies = append(w.priv.Applies, a)
	if n := len(w.priv.Applies); n > maxApplies {
		w.priv.Applies = w.priv.Applies[n-maxApplies:]
	}
	ch.Private = w.priv.Encode()
	if !diags.HasErrors() {
		diags = k.applySchedule(ctx, ch.Address, c, diags)
	}
	return ctyval.With(ch.Config, facts(c, w.priv.Steps, base, true)), diags
}

// walk is one apply of a pipeline.
type walk struct {
	k         *kind
	c         *Config
	ch        *sdk.Change
	store     *Store
	res       *resolver // used by the coordinating goroutine only
	base      string
	prior     Private
	scheduled string

	mu   sync.Mutex // guards priv and the change's private data
	priv Private
}

// result is a step's end as its goroutine reports it.
type result struct {
	name  string
	rec   *Record
	diags providers.Diagnostics
}

func (w *walk) run(ctx context.Context) providers.Diagnostics {
	var diags providers.Diagnostics
	known := map[string]map[string]string{}
	state := map[string]string{} // step -> status once it ended
	results := make(chan result)
	running := 0
	next := 0
	for next < len(w.c.Order) || running > 0 {
		// Start every step whose upstream steps ended, up to Parallel.
		for _, name := range w.c.Order {
			if running >= w.c.Parallel || ctx.Err() != nil {
				break
			}
			if _, ended := state[name]; ended {
				continue
			}
			s := w.c.Steps[name]
			ready, failed := true, ""
			for _, dep := range s.Deps {
				switch state[dep] {
				case "", "started":
					ready = false
				case StatusFailed, StatusSkipped, StatusRunning:
					failed = dep
				}
			}
			if failed != "" {
				rec := &Record{Status: StatusSkipped, Detail: fmt.Sprintf("not run: step %s did not finish", failed)}
				state[name] = StatusSkipped
				w.save(name, rec, nil)
				next++
				continue
			}
			if !ready {
				continue
			}
			r, err := w.res.resolve(s, known)
			state[name] = "started"
			running++
			next++
			go func() {
				if err != nil {
					results <- result{name: name, rec: &Record{Status: StatusFailed, Detail: err.Error()},
						diags: providers.Diagnostics{}.AttrError(stepPath(name, "inputs"), "Cannot fingerprint the step's inputs", err.Error())}
					return
				}
				rec, ds := w.step(ctx, s, r)
				results <- result{name: name, rec: rec, diags: ds}
			}()
		}
		if running == 0 {
			break // interrupted before the next step started
		}
		res := <-results
		running--
		state[res.name] = res.rec.Status
		diags = append(diags, res.diags...)
		if res.rec.Status == StatusFinished {
			known[res.name] = res.rec.Outputs
		}
	}
	if ctx.Err() != nil && !diags.HasErrors() {
		diags = diags.Errorf("Pipeline interrupted", "mltf stopped before every step ran; the next mltf apply goes on from the steps that finished.")
	}
	return diags
}

// save records a step and saves the pipeline's partial state at once.
func (w *walk) save(name string, rec *Record, code training.Manifest) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.priv.Steps[name] = rec
	if code != nil && rec.Parts.Code != "" {
		w.priv.Code[rec.Parts.Code] = code
	}
	w.ch.Private = w.priv.Encode()
	w.ch.Checkpoint(ctyval.With(w.ch.Config, facts(w.c, w.priv.Steps, w.base, true)))
}

// step brings one step to its end: kept, found in the cache, re-attached
// to, or run.
func (w *walk) step(ctx context.Context, s *Step, r resolved) (*Record, providers.Diagnostics) {
	var diags providers.Diagnostics
	if r.Key == nil {
		rec := &Record{Status: StatusFailed, Detail: "inputs not known at apply"}
		return rec, diags.Errorf("Step inputs still unknown", "step %s: %s not known at apply; this is a bug in mltf", s.Name, strings.Join(append(r.Waiting, r.Unknown...), ", "))
	}
	sum := r.Key.Sum()
	rec := &Record{Key: sum, Parts: *r.Key, Versions: r.Versions}
	pr := w.prior.Steps[s.Name]
	if pr != nil && pr.Key == sum && pr.Status == StatusFinished {
		w.save(s.Name, pr, r.Code)
		return pr, nil
	}
	address := w.ch.Address + "/step/" + s.Name
	scheduled := w.scheduled
	if pr != nil && pr.Key == sum && pr.Status == StatusRunning && pr.RunID != "" {
		scheduled = pr.ScheduledTime
		if done, ok := w.ended(ctx, address, s, r, pr); ok {
			w.save(s.Name, done, r.Code)
			return done, w.failure(s, done)
		}
	} else if e, hit, err := w.store.Lookup(ctx, sum); err != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Cannot look up the step cache", Detail: err.Error()})
	} else if hit {
		rec.Status, rec.Cached, rec.RunID, rec.Outputs = StatusFinished, true, e.RunID, e.Outputs
		w.save(s.Name, rec, r.Code)
		w.ch.Log("mltf", fmt.Sprintf("step %s: cached: same inputs as run %s…", s.Name, training.Short(e.RunID)))
		return rec, diags
	}

	for attempt := 1; ; attempt++ {
		done, ds := w.launch(ctx, address, s, r, rec, scheduled)
		diags = append(diags, ds...)
		if done.Status != StatusFailed || s.Backoff == 0 || attempt > s.RetryUser || ctx.Err() != nil || done.RunID == "" {
			return done, append(diags, w.failure(s, done)...)
		}
		// With a backoff, user errors are retried here, each a new run
		// after a doubling wait, rather than restarted at once.
		wait := s.backoff(attempt)
		w.ch.Log("mltf", fmt.Sprintf("step %s failed (run %s…); retry %d of %d in %s", s.Name, training.Short(done.RunID), attempt, s.RetryUser, wait))
		select {
		case <-ctx.Done():
			return done, append(diags, w.failure(s, done)...)
		case <-time.After(wait):
		}
		diags = warnings(diags)
	}
}

// launch runs a step once and follows its run to its end.
func (w *walk) launch(ctx context.Context, address string, s *Step, r resolved, rec *Record, scheduled string) (*Record, providers.Diagnostics) {
	var diags providers.Diagnostics
	rec = &Record{Key: rec.Key, Parts: rec.Parts, Versions: rec.Versions}
	cfg, err := w.c.runConfig(w.k.run, w.ch.Address, s, r, scheduled)
	if err != nil {
		rec.Status, rec.Detail = StatusFailed, err.Error()
		return rec, diags.FromError("Cannot configure the step's run", err)
	}
	rec.ScheduledTime = scheduled
	h, ds := w.k.flow.Launch(ctx, runflow.Request{Address: address, Config: cfg, Events: w.events(s.Name)})
	diags = append(diags, ds...)
	if h == nil || ds.HasErrors() {
		rec.Status, rec.Detail = StatusFailed, diagText(ds)
		w.save(s.Name, rec, r.Code)
		return rec, diags
	}
	rec.Status, rec.RunID, rec.Locator, rec.Started = StatusRunning, h.RunID(), h.Private(), time.Now().UTC()
	w.save(s.Name, rec, r.Code)
	w.ch.Progress(providers.Progress{Message: fmt.Sprintf("step %s running (run %s…)", s.Name, training.Short(h.RunID()))})
	_, out, ds := h.Follow(ctx)
	if !out.Ended {
		rec.Locator = h.Private()
		w.save(s.Name, rec, r.Code)
		return rec, diags.Errorf("Step still running",
			"mltf stopped following step %s, but its run %s goes on. The next mltf apply re-attaches to it.", s.Name, h.RunID())
	}
	done := w.finish(ctx, s, rec, out.Facts, out.Detail)
	done.Locator = h.Private()
	w.save(s.Name, done, r.Code)
	if done.Status != StatusFailed {
		diags = append(diags, warnings(ds)...)
	}
	return done, diags
}

// finish completes a step whose run ended: its outputs to the cache, or
// why it failed.
func (w *walk) finish(ctx context.Context, s *Step, rec *Record, f training.RunFacts, detail string) *Record {
	done := *rec
	done.RunID, done.Restarts = f.RunID, f.Restarts
	if !f.Started.IsZero() {
		done.Started = f.Started
	}
	done.Finished = f.Finished
	if done.Finished.IsZero() {
		done.Finished = time.Now().UTC()
	}
	if f.Status != training.StatusFinished {
		done.Status, done.Detail = StatusFailed, strings.TrimSpace(fmt.Sprintf("run %s %s: %s", f.RunID, f.Status, detail))
		return &done
	}
	outs, err := w.store.Collect(ctx, f.ArtifactURI, s.Outputs)
	if err != nil {
		done.Status, done.Detail = StatusFailed, fmt.Sprintf("run %s finished, but %v", f.RunID, err)
		return &done
	}
	done.Status, done.Outputs = StatusFinished, outs
	e := Entry{Key: done.Key, Address: w.ch.Address + "/step/" + s.Name, RunID: f.RunID, Outputs: outs, Finished: done.Finished,
		Seconds: done.Duration().Seconds()}
	if err := w.store.Put(ctx, e); err != nil {
		w.ch.Log("mltf", fmt.Sprintf("step %s: %v", s.Name, err))
	}
	return &done
}

// failure is the diagnostic of a failed step.
func (w *walk) failure(s *Step, rec *Record) providers.Diagnostics {
	if rec.Status != StatusFailed {
		return nil
	}
	return providers.Diagnostics{}.Errorf("Step failed", "%s step %s failed; the steps that read from it did not run, the steps that finished stay cached.\n\n%s",
		w.ch.Address, s.Name, rec.Detail)
}

// ended reads the run of a step an interrupted apply left running: its
// end when it ended meanwhile (ok), else nothing, and Launch adopts the
// live run.
func (w *walk) ended(ctx context.Context, address string, s *Step, r resolved, pr *Record) (*Record, bool) {
	cfg, err := w.c.runConfig(w.k.run, w.ch.Address, s, r, pr.ScheduledTime)
	if err != nil {
		return nil, false
	}
	facts := map[string]cty.Value{"run_id": cty.StringVal(pr.RunID), "status": cty.StringVal(training.StatusRunning)}
	if in := runflow.DecodePrivate(pr.Locator).Inputs; in != nil {
		facts["fingerprint"] = cty.StringVal(in.Fingerprint())
	}
	v, diags := w.k.flow.Read(ctx, &sdk.Read{Address: address, Current: ctyval.With(cfg, facts), Private: pr.Locator})
	if diags.HasErrors() || v.IsNull() {
		return nil, false
	}
	f := training.FactsOf(v)
	if f.Status == "" || f.Status == training.StatusRunning {
		return nil, false
	}
	w.ch.Log("mltf", fmt.Sprintf("step %s: run %s… ended while no apply followed it (%s)", s.Name, training.Short(pr.RunID), f.Status))
	return w.finish(ctx, s, pr, f, "ended while no apply followed it"), true
}

// events routes a step's run events: log lines marked with the step.
func (w *walk) events(step string) func(providers.Event) {
	return func(e providers.Event) {
		if e.Log == nil {
			return
		}
		l := *e.Log
		l.Source = "step " + step + " " + l.Source
		w.ch.Event(providers.Event{Type: e.Type, Time: e.Time, Log: &l})
	}
}

func diagText(ds providers.Diagnostics) string {
	var parts []string
	for _, d := range ds {
		if d.Severity == providers.Error {
			parts = append(parts, d.Summary+": "+d.Detail)
		}
	}
	return strings.Join(parts, "; ")
}

func warnings(ds providers.Diagnostics) providers.Diagnostics {
	var out providers.Diagnostics
	for _, d := range ds {
		if d.Severity == providers.Warning {
			out = append(out, d)
		}
	}
	return out
}
