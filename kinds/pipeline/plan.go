package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/artifactstore"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/sdk"
)

// plan decides, step by step in order, which steps keep their outputs
// (same key as the prior apply, or found in the cache) and which run, and
// says why in the plan's reasons.
func (k *kind) plan(ctx context.Context, p *sdk.Plan) providers.Diagnostics {
	p.RequiresReplace, p.Reasons = nil, nil
	c, d := Decode(p.Config, k.functions())
	diags := d.Diags
	if diags.HasErrors() || c.Order == nil {
		p.Planned = ctyval.With(p.Config, facts(c, nil, "", false))
		return diags
	}
	prior, err := DecodePrivate(p.PriorPrivate)
	if err != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Recorded steps unreadable; every step is looked up in the cache", Detail: err.Error()})
	}
	s := k.flow.Settings()
	_, base, err := artifactstore.URL(s.ArtifactsURL, s.WorkDir, false)
	if err != nil {
		p.Planned = ctyval.With(p.Config, facts(c, nil, "", false))
		return diags.FromError("Cannot find the artifact store", err)
	}
	pl := &planner{res: newResolver(s.WorkDir, base), prior: prior, recs: map[string]*Record{}, known: map[string]map[string]string{},
		runs: map[string]bool{}}
	defer pl.close()
	for _, name := range c.Order {
		reason, ds := pl.step(ctx, k, c.Steps[name])
		diags = append(diags, ds...)
		if reason != "" {
			p.Reasons = append(p.Reasons, "step "+name+": "+reason)
		}
	}
	if diags.HasErrors() {
		p.Planned = ctyval.With(p.Config, facts(c, nil, "", false))
		return diags
	}
	diags = append(diags, k.planSchedule(ctx, p, c)...)
	p.Planned = ctyval.With(p.Config, facts(c, pl.recs, base, false))
	p.PlannedPrivate = p.PriorPrivate
	return diags
}

// planner is one plan of a pipeline.
type planner struct {
	res   *resolver
	prior Private
	store *Store
	// recs are the steps whose outputs are known at plan; known their
	// outputs' hashes; runs the steps that run (or may).
	recs  map[string]*Record
	known map[string]map[string]string
	runs  map[string]bool
}

func (pl *planner) close() {
	if pl.store != nil {
		pl.store.Close()
	}
}

// step plans one step and returns the plan's reason ("" when the step
// keeps its outputs as they are).
func (pl *planner) step(ctx context.Context, k *kind, s *Step) (string, providers.Diagnostics) {
	var diags providers.Diagnostics
	r, err := pl.res.resolve(s, pl.known)
	if err != nil {
		var ce *codeError
		if errors.As(err, &ce) {
			return "", diags.AttrError(stepPath(s.Name, ce.attr), "Cannot hash the step's code", err.Error())
		}
		return "", diags.AttrError(stepPath(s.Name, "inputs"), "Cannot fingerprint the step's inputs", err.Error())
	}
	pr := pl.prior.Steps[s.Name]
	if r.Key == nil {
		pl.runs[s.Name] = true
		var changing []string
		for _, w := range r.Waiting {
			if pl.runs[w] {
				changing = append(changing, w)
			}
		}
		if len(changing) > 0 {
			return fmt.Sprintf("runs because %s's output will change (unless it comes out byte-identical)", strings.Join(changing, "'s and ")), nil
		}
		return fmt.Sprintf("runs: %s known after apply", strings.Join(append(r.Waiting, r.Unknown...), ", ")), nil
	}
	sum := r.Key.Sum()
	if pr != nil && pr.Key == sum {
		switch pr.Status {
		case StatusFinished:
			pl.keep(s.Name, pr)
			return "", nil
		case StatusRunning:
			pl.runs[s.Name] = true
			return fmt.Sprintf("re-attaches to run %s…, still running", training.Short(pr.RunID)), nil
		}
	}
	if pl.store == nil {
		st := k.flow.Settings()
		if pl.store, err = OpenStore(ctx, st.ArtifactsURL, st.WorkDir); err != nil {
			return "", diags.FromError("Cannot open the step cache", err)
		}
	}
	e, hit, err := pl.store.Lookup(ctx, sum)
	if err != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Cannot look up the step cache", Detail: err.Error()})
	}
	if hit {
		pl.keep(s.Name, &Record{Key: sum, Parts: *r.Key, Versions: r.Versions, Status: StatusFinished, Cached: true, RunID: e.RunID, Outputs: e.Outputs})
		return fmt.Sprintf("cached: same inputs as run %s…", training.Short(e.RunID)), diags
	}
	pl.runs[s.Name] = true
	return runReason(pr, r, pl.prior.Code[prCode(pr)]), diags
}

func (pl *planner) keep(name string, r *Record) {
	pl.recs[name] = r
	pl.known[name] = r.Outputs
}

func prCode(pr *Record) string {
	if pr == nil {
		return ""
	}
	return pr.Parts.Code
}

// runReason says why a step whose key is not cached runs.
func runReason(pr *Record, r resolved, priorCode training.Manifest) string {
	switch {
	case pr == nil:
		return "new step"
	case pr.Key == r.Key.Sum() && pr.Status == StatusFailed:
		return fmt.Sprintf("run %s… failed; runs again", training.Short(pr.RunID))
	case pr.Key == r.Key.Sum():
		return fmt.Sprintf("was %s; runs", pr.Status)
	}
	why := r.Key.Reasons(&pr.Parts, priorCode, r.Code, pr.Versions, r.Versions, r.Upstream)
	if len(why) == 0 {
		return fmt.Sprintf("key %s… -> %s…", training.Short(pr.Key), training.Short(r.Key.Sum()))
	}
	return strings.Join(why, ", ")
}
