package sweep

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/runflow"
	"github.com/mltf/mltf/providers/sdk"
)

// Kind is the sweep kind carried out by flow, for a provider's
// sdk.Provider.Kinds; training is the provider's training schema (with its
// options {} block), whose body the trials take.
func Kind(flow *runflow.Flow, trainingSchema *schema.Block) *sdk.Kind {
	k := &kind{flow: flow, trial: trainingSchema.ImpliedType()}
	return &sdk.Kind{
		Schema:      Schema(trainingSchema),
		Version:     1,
		LongRunning: true,
		Validate: func(ctx context.Context, config cty.Value) providers.Diagnostics {
			_, diags := Decode(config)
			return diags
		},
		DeleteReason: "its trials' runs are destroyed (running ones cancelled); their records stay in the tracking store",
		Plan:         k.plan,
		Create:       k.apply,
		Update:       k.apply,
		Delete:       k.delete,
	}
}

type kind struct {
	flow  *runflow.Flow
	trial cty.Type
}

// spec is the sweep's study spec, with the content of its code directory.
func (k *kind) spec(c *Config) (Spec, error) {
	code := ""
	if c.Trial.Type().IsObjectType() && c.Trial.Type().HasAttribute("code") {
		if v := c.Trial.GetAttr("code"); v.IsKnown() && !v.IsNull() {
			code = v.AsString()
		}
	}
	dir := code
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(k.flow.Settings().WorkDir, dir)
	}
	m, err := training.HashTree(dir)
	if err != nil {
		return Spec{}, fmt.Errorf("trial.code %s: %w", code, err)
	}
	return c.Spec("code " + m.Sum()), nil
}

func (k *kind) plan(ctx context.Context, p *sdk.Plan) providers.Diagnostics {
	p.RequiresReplace, p.Reasons = nil, nil
	c, diags := Decode(p.Config)
	unknown := ctyval.With(p.Config, unknownFacts())
	if diags.HasErrors() {
		p.Planned = unknown
		return diags
	}
	if !p.Config.IsWhollyKnown() {
		// The study is known at apply, where a prior study with the same
		// spec is continued.
		p.Planned = unknown
		if p.Create() {
			p.Reasons = []string{"new sweep: " + c.Describe()}
		} else {
			p.Reasons = []string{"the study is known after apply (some of its inputs are)"}
		}
		return diags
	}
	spec, err := k.spec(c)
	if err != nil {
		p.Planned = unknown
		return diags.AttrError(cty.GetAttrPath("trial").GetAttr("code"), "Cannot hash the trials' code", err.Error())
	}
	var prior *Spec
	var recs []Record
	if !p.Create() {
		pp, err := DecodePrivate(p.PriorPrivate)
		if err != nil {
			diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Recorded trials unreadable; a new study starts", Detail: err.Error()})
		} else if len(pp.Params) > 0 {
			prior = &pp.Spec
			if pp.Spec.ID() == spec.ID() {
				recs = pp.Records
			}
		}
	}
	reason := c.PlanReason(spec, prior, recs)
	if reason == "" {
		p.Planned = ctyval.With(p.Config, c.Facts(spec, recs))
		p.PlannedPrivate = c.NewPrivate(spec, recs).Encode()
		return diags
	}
	p.Reasons = []string{reason}
	p.Planned = unknown
	p.PlannedPrivate = c.NewPrivate(spec, recs).Encode()
	return diags
}

// unknownFacts are the computed attributes of a sweep that will run.
func unknownFacts() map[string]cty.Value {
	return map[string]cty.Value{
		"study": cty.UnknownVal(cty.String), "trials_done": cty.UnknownVal(cty.Number),
		"trials_pruned": cty.UnknownVal(cty.Number), "trials_failed": cty.UnknownVal(cty.Number),
		"best": cty.UnknownVal(bestType()),
	}
}

func (k *kind) apply(ctx context.Context, ch *sdk.Change) (cty.Value, providers.Diagnostics) {
	c, diags := Decode(ch.Config)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	spec, err := k.spec(c)
	if err != nil {
		return cty.NilVal, diags.FromError("Cannot hash the trials' code", err)
	}
	priv, err := DecodePrivate(ch.Private)
	if err != nil {
		return cty.NilVal, diags.FromError("Cannot read the planned sweep", err)
	}
	switch {
	case len(priv.Params) > 0 && priv.Spec.ID() != spec.ID():
		return cty.NilVal, diags.Errorf("Sweep changed since the plan", "the study was %s at plan and is %s now; run mltf plan again", priv.Spec.ID(), spec.ID())
	case len(priv.Params) == 0:
		// Planned while some inputs were unknown: continue the prior
		// study if it is this one.
		if pp, err := DecodePrivate(ch.PriorPrivate); err == nil && len(pp.Params) > 0 && pp.Spec.ID() == spec.ID() {
			priv = pp
		}
	}
	priv = c.NewPrivate(spec, priv.Records)
	value := func(recs []Record) cty.Value { return ctyval.With(ch.Config, c.Facts(spec, recs)) }
	d := &Driver{
		Settings: c.Settings,
		Launcher: &flowLauncher{flow: k.flow, address: ch.Address, config: c, trial: k.trial, events: ch.Event},
		Save: func(recs []Record) {
			priv.Records = recs
			ch.Private = priv.Encode()
			ch.Checkpoint(value(recs))
		},
		Progress: func(line string) {
			sum := Summarize(priv.Records, c.Settings.Goal)
			ch.Progress(providers.Progress{Message: line, Step: int64(sum.Done + sum.Pruned + sum.Failed), Total: int64(c.Settings.Trials)})
		},
	}
	recs, err := d.Run(ctx, priv.Records)
	priv.Records = recs
	ch.Private = priv.Encode()
	v := value(recs)
	sum := Summarize(recs, c.Settings.Goal)
	switch {
	case errors.Is(err, ErrTooManyFailed):
		return v, diags.Errorf("Sweep failed", "%s. mltf sweeps show %s says why each failed.", err, ch.Address)
	case err != nil && sum.Running > 0:
		return v, diags.Errorf("Sweep still running",
			"mltf stopped following %s, but %d of its trials go on. The next mltf apply re-attaches to them and continues the study.", ch.Address, sum.Running)
	case err != nil:
		return v, diags.FromError("Sweep interrupted", err)
	}
	return v, diags
}

// delete destroys the trials' runs as destroying a training destroys its
// run: the running ones are cancelled, and what the backend keeps of each
// (checkpoints; Jobs, Services and ConfigMaps on Kubernetes) is removed.
// Runs a trial adopted from elsewhere are left alone; every run stays in
// the tracking store.
func (k *kind) delete(ctx context.Context, ch *sdk.Change) providers.Diagnostics {
	c, diags := Decode(ch.Prior)
	if diags.HasErrors() {
		return diags
	}
	priv, err := DecodePrivate(ch.PriorPrivate)
	if err != nil {
		return diags.FromError("Cannot read the recorded trials", err)
	}
	for _, r := range priv.Records {
		if r.RunID == "" && r.State != "running" || runflow.DecodePrivate(r.Locator).Adopted {
			continue
		}
		cfg, err := c.TrialConfig(k.trial, r.Params)
		if err != nil {
			diags = diags.FromError(fmt.Sprintf("Cannot destroy the run of trial %d", r.Number), err)
			continue
		}
		if r.RunID == "" {
			// Saved as running before its run started, and the apply
			// stopped before it could save the run: find the run by its
			// inputs.
			trial := &sdk.Change{Address: fmt.Sprintf("%s/trial/%d", ch.Address, r.Number), Prior: cfg, Sensitive: ch.Sensitive}
			diags = append(diags, k.flow.DestroyLaunched(ctx, trial)...)
			continue
		}
		facts := map[string]cty.Value{"run_id": cty.StringVal(r.RunID), "status": cty.StringVal(runStatus[r.State])}
		trial := &sdk.Change{Address: fmt.Sprintf("%s/trial/%d", ch.Address, r.Number), Prior: ctyval.With(cfg, facts), PriorPrivate: r.Locator, Sensitive: ch.Sensitive}
		diags = append(diags, k.flow.Destroy(ctx, trial)...)
	}
	return diags
}

// runStatus is the status of a trial's run by the trial's state.
var runStatus = map[string]string{
	"running": training.StatusRunning, "complete": training.StatusFinished,
	"pruned": training.StatusCancelled, "failed": training.StatusFailed,
}

// flowLauncher launches trials as runs of the run flow.
type flowLauncher struct {
	flow    *runflow.Flow
	address string
	config  *Config
	trial   cty.Type
	events  func(providers.Event)
}

func (l *flowLauncher) Launch(ctx context.Context, n int, params []float64, prior *Record) (TrialRun, error) {
	cfg, err := l.config.TrialConfig(l.trial, params)
	if err != nil {
		return nil, err
	}
	address := fmt.Sprintf("%s/trial/%d", l.address, n)
	if prior != nil && prior.RunID != "" && len(prior.Locator) > 0 {
		// Launched by an apply that stopped: if its run ended meanwhile,
		// that is the trial's end; if it still runs, Launch below adopts it.
		if ended, ok := l.ended(ctx, address, cfg, prior); ok {
			return ended, nil
		}
	}
	req := runflow.Request{Address: address, Config: cfg}
	if prior == nil || prior.RunID == "" {
		// A trial with the inputs of a finished run, of this study or of
		// any other, is that run: it is reused, not run again.
		if found, ok := l.flow.Finished(ctx, req); ok {
			locator := runflow.Private{Reuse: found.RunID, Adopted: true}.Encode()
			return endedRun{id: found.RunID, locator: locator, out: Outcome{Status: found.Status, Metrics: found.Metrics, Reused: true}}, nil
		}
	}
	r := &flowRun{number: n, events: l.events}
	req.Events = r.event
	h, diags := l.flow.Launch(ctx, req)
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	r.h = h
	return r, nil
}

// ended reads a recorded trial's run and returns it when it has ended.
func (l *flowLauncher) ended(ctx context.Context, address string, cfg cty.Value, prior *Record) (TrialRun, bool) {
	facts := map[string]cty.Value{"run_id": cty.StringVal(prior.RunID), "status": cty.StringVal(training.StatusRunning)}
	if in := runflow.DecodePrivate(prior.Locator).Inputs; in != nil {
		facts["fingerprint"] = cty.StringVal(in.Fingerprint())
	}
	v, diags := l.flow.Read(ctx, &sdk.Read{Address: address, Current: ctyval.With(cfg, facts), Private: prior.Locator})
	if diags.HasErrors() || v.IsNull() {
		return nil, false
	}
	f := training.FactsOf(v)
	if f.Status == "" || f.Status == training.StatusRunning {
		return nil, false
	}
	return endedRun{id: prior.RunID, locator: prior.Locator, out: Outcome{Status: f.Status, Metrics: f.Metrics}}, true
}

// endedRun is a trial's run that ended while no apply followed it.
type endedRun struct {
	id      string
	locator []byte
	out     Outcome
}

func (r endedRun) RunID() string                                              { return r.id }
func (r endedRun) Locator() []byte                                            { return r.locator }
func (r endedRun) Wait(context.Context, func(string, int64, float64)) Outcome { return r.out }
func (r endedRun) Stop(context.Context) error                                 { return nil }

func diagError(ds providers.Diagnostics) error {
	for _, d := range ds {
		if d.Severity == providers.Error {
			return fmt.Errorf("%s: %s", d.Summary, d.Detail)
		}
	}
	return nil
}

// flowRun is a trial's run of the run flow.
type flowRun struct {
	number int
	h      *runflow.Handle
	events func(providers.Event)

	mu       sync.Mutex
	onMetric func(string, int64, float64)
}

// event routes a run's events: metrics to the driver, log lines to the
// sweep's events marked with the trial.
func (r *flowRun) event(e providers.Event) {
	switch {
	case e.Metric != nil:
		r.mu.Lock()
		f := r.onMetric
		r.mu.Unlock()
		if f != nil {
			f(e.Metric.Name, e.Metric.Step, e.Metric.Value)
		}
	case e.Log != nil && r.events != nil:
		l := *e.Log
		l.Source = fmt.Sprintf("trial %d %s", r.number, l.Source)
		r.events(providers.Event{Type: e.Type, Time: e.Time, Log: &l})
	}
}

func (r *flowRun) RunID() string   { return r.h.RunID() }
func (r *flowRun) Locator() []byte { return r.h.Private() }

func (r *flowRun) Wait(ctx context.Context, onMetric func(string, int64, float64)) Outcome {
	r.mu.Lock()
	r.onMetric = onMetric
	r.mu.Unlock()
	_, out, _ := r.h.Follow(ctx)
	if !out.Ended {
		return Outcome{}
	}
	return Outcome{Status: out.Facts.Status, Metrics: out.Facts.Metrics, Detail: out.Detail}
}

func (r *flowRun) Stop(ctx context.Context) error { return r.h.Stop(ctx, 10*time.Second) }
