package runflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/sdk"
)

// Plan plans a run-based resource: a kept run (finished, or running and
// re-attached to), a reused finished run with the same fingerprint, or a
// new run, with the reasons in the user's words.
func (f *Flow) Plan(ctx context.Context, p *sdk.Plan) providers.Diagnostics {
	p.RequiresReplace, p.Reasons = nil, nil
	unknown := ctyval.With(p.Config, training.UnknownFacts(cty.UnknownVal(cty.String)))
	s, tr := f.env()
	c, diags := f.Backend.Decode(p.Config)
	if diags.HasErrors() {
		p.Planned = unknown
		return diags
	}
	r, err := f.newRun(p.Address, c, s)
	if err != nil {
		p.Planned = unknown
		return diags.AttrError(training.InputsErrorPath(err), "Cannot fingerprint the training", err.Error())
	}
	diags = append(diags, f.Backend.Check(r, p.Create())...)
	in := r.Planned.Inputs
	fp := cty.UnknownVal(cty.String)
	if in != nil {
		fp = cty.StringVal(in.Fingerprint())
	}
	priv := Private{Inputs: in, Code: r.Planned.Code}

	if !p.Create() {
		pp := DecodePrivate(p.PriorPrivate)
		prior := training.ComparePrior(p.Prior, in, r.Planned.Code, pp.Inputs, pp.Code, c.Unknown)
		if prior.Keep {
			priv.Adopted, priv.Where, priv.GitCommit, priv.GitDirty = pp.Adopted, pp.Where, pp.GitCommit, pp.GitDirty
			p.Planned = ctyval.With(p.Config, prior.Planned)
			if prior.Running {
				p.Reasons = []string{fmt.Sprintf("re-attaches to run %s…, still running%s", training.Short(prior.Facts.RunID), f.Backend.Locate(pp.Where))}
			}
			p.PlannedPrivate = priv.Encode()
			return diags
		}
		p.RequiresReplace, p.Reasons = prior.RequiresReplace, prior.Reasons
	}

	// A new run, unless a finished one with the same fingerprint exists.
	if in != nil {
		found, ok, warn := f.finished(ctx, r, tr)
		diags = append(diags, warn...)
		if ok {
			p.Planned = ctyval.With(p.Config, found.Values())
			p.Reasons = append(p.Reasons, training.ReuseReason(found.RunID))
			priv.Reuse = found.RunID
			p.PlannedPrivate = priv.Encode()
			return diags
		}
	}
	p.Planned = ctyval.With(p.Config, training.UnknownFacts(fp))
	if p.Create() {
		p.Reasons = append(p.Reasons, "new run: "+f.Backend.Describe(c))
	}
	p.PlannedPrivate = priv.Encode()
	return diags
}

// finished returns a finished run with r's fingerprint, found in the
// tracking store or kept by the backend, to reuse rather than run again.
func (f *Flow) finished(ctx context.Context, r *Run, tr Tracker) (training.RunFacts, bool, providers.Diagnostics) {
	var diags providers.Diagnostics
	var tracked *training.RunFacts
	if tr != nil {
		rec, err := tr.FindRunByFingerprint(ctx, r.Planned.Inputs.Fingerprint())
		switch {
		case err == nil && rec.Status == training.StatusFinished:
			tracked = &training.RunFacts{RunID: rec.ID, Fingerprint: rec.Fingerprint, Status: training.StatusFinished, Metrics: rec.Metrics,
				ArtifactURI: rec.ArtifactURI, Restarts: rec.Restarts, Started: rec.Started, Finished: rec.Finished}
		case err != nil && !errors.Is(err, ErrNoRun):
			diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Cannot look for an earlier run", Detail: err.Error()})
		}
	}
	found, ok := f.Backend.Finished(r, tracked)
	return found, ok, diags
}

// Finished returns a finished run with the fingerprint of req.Config's
// inputs, to reuse rather than launch a run that would repeat it.
func (f *Flow) Finished(ctx context.Context, req Request) (training.RunFacts, bool) {
	s, tr := f.env()
	c, diags := f.Backend.Decode(req.Config)
	if diags.HasErrors() {
		return training.RunFacts{}, false
	}
	r, err := f.newRun(req.Address, c, s)
	if err != nil || r.Planned.Inputs == nil {
		return training.RunFacts{}, false
	}
	found, ok, _ := f.finished(ctx, r, tr)
	return found, ok
}
