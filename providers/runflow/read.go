package runflow

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/sdk"
)

// Read refreshes a run of the state from its backend. A run that ended
// while no apply followed it is completed and recorded; a run whose
// objects are gone reads as null, so that the next plan shows the drift.
func (f *Flow) Read(ctx context.Context, rd *sdk.Read) (cty.Value, providers.Diagnostics) {
	cur := training.FactsOf(rd.Current)
	priv := DecodePrivate(rd.Private)
	if cur.RunID == "" || priv.Adopted {
		return rd.Current, nil
	}
	r, tr := f.stateRun(rd.Address, rd.Current, cur, priv)
	w := f.watch(r, tr, rd.Current, &priv, nil)
	res := f.Backend.Refresh(ctx, r, w)
	diags := res.Diagnostics
	if res.Gone {
		return cty.NullVal(rd.Current.Type()), diags
	}
	w.Flush(ctx)
	if cur.Status == training.StatusRunning && res.Facts.Status != "" && res.Facts.Status != training.StatusRunning {
		w.Record(ctx, res.Facts, nil, false)
	}
	priv.setWhere(res.Where)
	rd.Private = priv.Encode()
	if res.Facts.RunID == "" {
		return rd.Current, append(diags, w.Diagnostics()...)
	}
	return ctyval.With(rd.Current, res.Facts.Values()), append(diags, w.Diagnostics()...)
}

// Destroy cancels a run the resource launched, if it still runs, and
// removes what its backend keeps of it. A reused run is left alone.
func (f *Flow) Destroy(ctx context.Context, ch *sdk.Change) providers.Diagnostics {
	prior := training.FactsOf(ch.Prior)
	priv := DecodePrivate(ch.PriorPrivate)
	if prior.RunID == "" || priv.Adopted {
		return nil
	}
	r, tr := f.stateRun(ch.Address, ch.Prior, prior, priv)
	r.Sensitive = ch.Sensitive
	w := f.watch(r, tr, ch.Prior, &priv, ch.Event)
	diags := f.Backend.Destroy(ctx, r, w)
	w.Flush(context.WithoutCancel(ctx))
	return append(diags, w.Diagnostics()...)
}

// DestroyLaunched destroys the run of ch.Prior (a configuration) that an
// apply launched and was killed before it could record: a run of that
// address, workspace and fingerprint still going (Backend.FindLive). With
// none, it does nothing. A sweep's trial is saved as running before its
// run starts and gets its run id after; destroying the sweep in between
// would otherwise leave the run going.
func (f *Flow) DestroyLaunched(ctx context.Context, ch *sdk.Change) providers.Diagnostics {
	s, tr := f.env()
	c, diags := f.Backend.Decode(ch.Prior)
	if diags.HasErrors() {
		return diags
	}
	r, err := f.newRun(ch.Address, c, s)
	if err != nil || r.Planned.Inputs == nil {
		// Inputs that cannot be worked out now never started a run.
		return diags
	}
	r.Sensitive = ch.Sensitive
	var priv Private
	w := f.watch(r, tr, ch.Prior, &priv, ch.Event)
	gang, found, err := f.Backend.FindLive(ctx, r, w)
	if err != nil {
		return append(diags, asDiagnostics(err, "Cannot look for the run of "+ch.Address)...)
	}
	if !found {
		return diags
	}
	priv.setWhere(gang.Where())
	r.ID, r.Where = gang.Facts().RunID, priv.Where
	w.record.ID = r.ID
	diags = append(diags, f.Backend.Destroy(ctx, r, w)...)
	w.Flush(context.WithoutCancel(ctx))
	return append(diags, w.Diagnostics()...)
}

// stateRun is the run of a value in state; its configuration is decoded
// from the value itself, leniently (for the experiment and the record).
func (f *Flow) stateRun(address string, v cty.Value, facts training.RunFacts, priv Private) (*Run, Tracker) {
	s, tr := f.env()
	c, _ := f.Backend.Decode(v)
	if c == nil {
		c = &Config{}
	}
	r := &Run{ID: facts.RunID, Address: address, Settings: s, Config: c, Facts: facts, Where: priv.Where}
	r.Planned.Inputs = priv.Inputs
	return r, tr
}
