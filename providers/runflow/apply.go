package runflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/sdk"
)

// Apply carries out a planned create or update: adopt the finished run
// the plan found, re-attach to a running run, keep a finished one whose
// policies alone changed, or launch a new run and follow it to its end.
func (f *Flow) Apply(ctx context.Context, ch *sdk.Change) (cty.Value, providers.Diagnostics) {
	priv := DecodePrivate(ch.Private)
	prior, planned := training.FactsOf(ch.Prior), training.FactsOf(ch.Planned)
	switch {
	case planned.RunID != "" && planned.RunID == priv.Reuse && planned.RunID != prior.RunID:
		// The plan found a finished run with the same fingerprint: adopt it.
		priv.Reuse, priv.Adopted = "", true
		ch.Private = priv.Encode()
		return ch.Planned, nil
	case prior.RunID != "" && prior.RunID == planned.RunID && prior.Status == training.StatusRunning:
		return f.reattach(ctx, ch, priv, prior)
	case prior.RunID != "" && prior.RunID == planned.RunID:
		// Only policies changed on a finished run: nothing to do.
		ch.Private = priv.Encode()
		return ch.Planned, nil
	}
	h, diags := f.launch(ctx, Request{Address: ch.Address, Config: ch.Config, Sensitive: ch.Sensitive, Events: ch.Event}, priv, planned.Fingerprint)
	if h == nil {
		return cty.NilVal, diags
	}
	v, out := h.follow(ctx)
	ch.Private = h.Private()
	return v, append(diags, out...)
}

// Request names a run to launch programmatically (Flow.Launch).
type Request struct {
	// Address is the resource the run belongs to, e.g. sweep.s, for the
	// tracking store and for adopting a live run after a crash.
	Address string
	// Config is the run's configuration: a value of the training kind's
	// schema (with the backend's options).
	Config cty.Value
	// Sensitive are the paths of Config whose values are sensitive.
	Sensitive []cty.Path
	// Events receives the run's logs, progress, metrics and partial
	// states; nil ignores them.
	Events func(providers.Event)
}

// Handle is a launched run that the caller follows.
type Handle struct {
	f      *Flow
	run    *Run
	gang   Gang
	w      *Watch
	priv   *Private
	config cty.Value
}

// Launch starts a run of req.Config (or adopts a live run of the same
// address and fingerprint that an interrupted apply left) and returns its
// handle once it exists; its partial state has been sent as an event.
func (f *Flow) Launch(ctx context.Context, req Request) (*Handle, providers.Diagnostics) {
	return f.launch(ctx, req, Private{}, "")
}

func (f *Flow) launch(ctx context.Context, req Request, priv Private, wantFP string) (*Handle, providers.Diagnostics) {
	s, tr := f.env()
	c, diags := f.Backend.Decode(req.Config)
	if diags.HasErrors() {
		return nil, diags
	}
	r, err := f.newRun(req.Address, c, s)
	if err != nil {
		return nil, diags.FromError("Cannot fingerprint the training", err)
	}
	r.Sensitive = req.Sensitive
	in := r.Planned.Inputs
	if in == nil {
		return nil, diags.FromError("Training inputs still unknown", fmt.Errorf("%s not known at apply; this is a bug in mltf", strings.Join(c.Unknown, ", ")))
	}
	fp := in.Fingerprint()
	if wantFP != "" && wantFP != fp {
		return nil, diags.FromError("Training changed since the plan", fmt.Errorf("the fingerprint was %s… at plan and is %s… now (%s); run mltf plan again",
			training.Short(wantFP), training.Short(fp), strings.Join(training.ChangeReasons(priv.Inputs, in, priv.Code, r.Planned.Code), ", ")))
	}
	priv.Inputs, priv.Code = in, r.Planned.Code
	if priv.TrackedParams, err = c.TrackedParams(training.SecretsOf(r.Sensitive)); err != nil {
		return nil, diags.FromError("Cannot encode the params", err)
	}
	h := &Handle{f: f, run: r, priv: &priv, config: req.Config}
	h.w = f.watch(r, tr, req.Config, h.priv, req.Events)

	// Another apply may have launched this very run before it was killed,
	// too early to save it in state: adopt that run rather than start a
	// second copy.
	gang, found, err := f.Backend.FindLive(ctx, r, h.w)
	if err != nil {
		return nil, append(diags, asDiagnostics(err, "Cannot start the training")...)
	}
	if found {
		h.attached(gang)
		return h, diags
	}
	priv.GitCommit, priv.GitDirty = gitState(ctx, s.WorkDir)
	h.w.record.GitCommit, h.w.record.GitDirty = priv.GitCommit, priv.GitDirty
	gang, err = f.Backend.Launch(ctx, r, h.w)
	if err != nil {
		return nil, append(diags, asDiagnostics(err, "Cannot start the training")...)
	}
	h.attached(gang)
	facts := gang.Facts()
	h.w.Checkpoint(facts, gang.Where())
	h.w.Record(ctx, facts, gang.Env(), true)
	return h, diags
}

func (h *Handle) attached(g Gang) {
	h.gang = g
	h.run.ID = g.Facts().RunID
	h.w.record.ID = h.run.ID
	h.priv.setWhere(g.Where())
}

// RunID is the run's id.
func (h *Handle) RunID() string { return h.run.ID }

// Private is the private data to keep beside the run's value.
func (h *Handle) Private() []byte { return h.priv.Encode() }

// Stop ends the run early (a pruned trial): its processes get grace to
// exit. Follow then returns the run as cancelled.
func (h *Handle) Stop(ctx context.Context, grace time.Duration) error {
	return h.gang.Stop(ctx, grace)
}

// Follow streams the run's events until it ends or ctx is done (the run
// goes on), and returns its value and outcome.
func (h *Handle) Follow(ctx context.Context) (cty.Value, Outcome, providers.Diagnostics) {
	out := h.gang.Follow(ctx, h.w)
	v, diags := h.finish(ctx, out)
	return v, out, diags
}

func (h *Handle) follow(ctx context.Context) (cty.Value, providers.Diagnostics) {
	v, _, diags := h.Follow(ctx)
	return v, diags
}

// finish records how following the run ended and makes its value.
func (h *Handle) finish(ctx context.Context, out Outcome) (cty.Value, providers.Diagnostics) {
	ctx = context.WithoutCancel(ctx)
	h.w.Flush(ctx)
	h.priv.setWhere(h.gang.Where())
	v := ctyval.With(h.config, out.Facts.Values())
	diags := append(out.Diagnostics, h.w.Diagnostics()...)
	if !out.Ended {
		return v, diags.Errorf("Training still running",
			"mltf stopped following %s, but its run %s goes on %s. The next mltf apply re-attaches to it; mltf destroy cancels it.",
			h.run.Address, h.run.ID, out.Detail)
	}
	h.w.diags = nil
	h.w.Record(ctx, out.Facts, h.gang.Env(), false)
	diags = append(diags, h.w.Diagnostics()...)
	if diags.HasErrors() {
		return v, diags
	}
	switch out.Facts.Status {
	case training.StatusFailed:
		diags = diags.Errorf("Training failed", "%s", out.Detail)
	case training.StatusCancelled:
		diags = diags.Errorf("Training cancelled", "%s", out.Detail)
	}
	return v, diags
}

// reattach follows a run an earlier apply launched.
func (f *Flow) reattach(ctx context.Context, ch *sdk.Change, priv Private, prior training.RunFacts) (cty.Value, providers.Diagnostics) {
	s, tr := f.env()
	c, diags := f.Backend.Decode(ch.Config)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	r, err := f.newRun(ch.Address, c, s)
	if err != nil || r.Planned.Inputs == nil {
		return ch.Prior, diags.Errorf("Cannot re-attach to the training", "cannot fingerprint it: %v", err)
	}
	r.ID, r.Facts, r.Where, r.Sensitive = prior.RunID, prior, priv.Where, ch.Sensitive
	h := &Handle{f: f, run: r, priv: &priv, config: ch.Config}
	h.w = f.watch(r, tr, ch.Config, h.priv, ch.Event)
	gang, err := f.Backend.Attach(ctx, r, h.w)
	if err != nil {
		ch.Private = priv.Encode()
		return ch.Prior, append(diags, asDiagnostics(err, "Cannot re-attach to the training")...)
	}
	h.attached(gang)
	v, out := h.follow(ctx)
	ch.Private = h.Private()
	return v, append(diags, out...)
}

// Error is a backend's error with the summary users see.
type Error struct {
	Summary string
	Err     error
}

func (e *Error) Error() string { return e.Summary + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error.
func Errorf(summary, format string, args ...any) error {
	return &Error{Summary: summary, Err: fmt.Errorf(format, args...)}
}

func asDiagnostics(err error, summary string) providers.Diagnostics {
	if e, ok := err.(*Error); ok {
		summary, err = e.Summary, e.Err
	}
	return providers.Diagnostics{}.FromError(summary, err)
}
