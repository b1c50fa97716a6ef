package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state/tracking"
)

func (p *Provider) applyModel(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	if req.Planned.IsNull() {
		return p.destroyModel(ctx, req)
	}
	config := req.Config
	if config.IsNull() || !config.IsKnown() {
		config = req.Planned
	}
	cfg, diags := decodeModel(req.Address, config, false)
	if diags.HasErrors() {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags}
	}
	if cfg.RunID == "" {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags.AttrError(cty.GetAttrPath("from"), "Training without a run",
			"from has no run_id: the training has not run. Apply the training first (it is applied before the model when from = training.NAME).")}
	}
	if st := getString(cfg.From, "status"); st != "" && st != tracking.StatusFinished {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags.AttrError(cty.GetAttrPath("from"), "Training not finished",
			fmt.Sprintf("Run %s of from is %s; only a finished run becomes a model version. mltf runs show %s tells why.", shortID(cfg.RunID), st, shortID(cfg.RunID)))}
	}
	prior, priv := req.Prior, decodeModelPrivate(req.PriorPrivate)
	if !prior.IsNull() && stringOr(prior.GetAttr("name"), "") != cfg.Name {
		prior, priv = cty.NullVal(prior.Type()), decodeModelPrivate(nil)
	}

	v, created, err := p.register(ctx, cfg)
	if err != nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags.FromError("Cannot register the model version", err)}
	}
	if created {
		event(req, fmt.Sprintf("registered %s version %d from run %s (%d files)", cfg.Name, v.Version, shortID(v.RunID), len(v.Lineage.Files)))
	}
	if err := p.storage().Copy(ctx, v); err != nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags.FromError("Cannot copy the version's artifacts to the registry", err)}
	}
	cand := &candidate{Facts: factsOf(v), Registered: true}
	if cfg.Pin != 0 {
		if ds := p.checkPin(ctx, cfg, cand); ds.HasErrors() {
			return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: append(diags, ds...)}
		}
	}
	positions, err := p.store.Aliases(ctx, cfg.Name)
	if err != nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags.FromError("Cannot read the model's aliases", err)}
	}
	d, ds := p.decide(ctx, cfg, cand, positions, priv)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags}
	}
	if !d.known() {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags.Errorf("Gates cannot be decided",
			"A gate of model %s depends on values unknown at apply; a gate may use self.candidate, self.current, variables and other resources' values.", cfg.Name)}
	}
	who := whoami()
	for _, a := range append(append([]aliasDecision(nil), d.Aliases...), d.Removed...) {
		if !a.moves() && !a.refused() {
			continue
		}
		m, err := p.store.MoveAlias(ctx, tracking.AliasMove{
			Model: cfg.Name, Alias: a.Alias, From: a.Current, To: a.Target, Who: who, Gates: historyGates(a, cfg),
		})
		if err != nil {
			if errors.Is(err, tracking.ErrAliasMoved) {
				err = fmt.Errorf("%w; run mltf plan again to see where it is", err)
			}
			diags = diags.FromError("Cannot move alias "+a.Alias, err)
			continue
		}
		switch {
		case a.refused():
			cur, _ := p.currentFacts(ctx, cfg.Name, a.Current)
			diags = append(diags, providers.Diagnostic{
				Severity: providers.Warning,
				Summary:  fmt.Sprintf("Alias %s %s: version %d did not pass its gates", a.Alias, staysAt(a.Current), a.Candidate),
				Detail:   a.failure(cand.Facts, cur) + "\n\nThe version is registered without the alias. To move it anyway, pin it: version = " + fmt.Sprint(a.Candidate) + ".",
			})
		case m.To != 0:
			event(req, fmt.Sprintf("alias %s %s -> %d", a.Alias, versionWord(m.From), m.To))
		default:
			event(req, fmt.Sprintf("alias %s removed (was %d)", a.Alias, m.From))
		}
	}
	newVal := p.modelValue(config, cfg, cand, d, prior)
	if diags.HasErrors() {
		// Some alias did not move: say where the registry is.
		rr := p.readModel(ctx, providers.ReadRequest{Kind: "model", Address: req.Address, Current: newVal})
		if rr.New != cty.NilVal && !rr.New.IsNull() {
			newVal = rr.New
		}
	}
	return providers.ApplyChangeResponse{New: newVal, Private: d.Private.encode(), Diagnostics: diags}
}

func event(req providers.ApplyChangeRequest, line string) {
	if req.Events != nil {
		req.Events(providers.Event{Type: providers.EventLog, Time: time.Now(), Log: &providers.LogLine{Source: "registry", Line: line}})
	}
}

// register returns the version of from's run, registering it (hashing
// the run's artifacts, taking the next number) when it is new.
func (p *Provider) register(ctx context.Context, cfg modelConfig) (tracking.ModelVersion, bool, error) {
	if v, err := p.store.ModelVersionByRun(ctx, cfg.Name, cfg.RunID); err == nil {
		return v, false, nil
	} else if !errors.Is(err, tracking.ErrNotFound) {
		return tracking.ModelVersion{}, false, err
	}
	facts, err := p.runFacts(ctx, cfg)
	if err != nil {
		return tracking.ModelVersion{}, false, err
	}
	run, err := p.store.GetRun(ctx, cfg.RunID)
	if err != nil {
		return tracking.ModelVersion{}, false, err
	}
	if run.Status != tracking.StatusFinished {
		return tracking.ModelVersion{}, false, fmt.Errorf("run %s is %s in the tracking store; only a finished run becomes a model version", shortID(run.ID), run.Status)
	}
	source := getString(cfg.From, "artifact_uri")
	if source == "" {
		source = run.ArtifactURI
	}
	files, err := p.storage().Hash(ctx, source)
	if err != nil {
		return tracking.ModelVersion{}, false, err
	}
	params := run.Params
	if len(params) == 0 {
		if pv := getAttr(cfg.From, "params"); pv.IsWhollyKnown() && !pv.IsNull() {
			if b, err := ctyjson.Marshal(pv, pv.Type()); err == nil {
				params = b
			}
		}
	}
	lineage := tracking.Lineage{
		RunID: run.ID, Address: run.Address, Workspace: run.Workspace, ExperimentID: run.ExperimentID,
		Fingerprint: facts.Fingerprint, GitCommit: run.GitCommit, GitDirty: run.GitDirty, Params: params,
		Datasets: datasets(cfg.From, p.settings.WorkDir), SourceURI: source, Files: files,
	}
	for attempt := 0; attempt < 50; attempt++ {
		next := int64(1)
		if latest, err := p.store.LatestModelVersion(ctx, cfg.Name); err == nil {
			next = latest.Version + 1
		} else if !errors.Is(err, tracking.ErrNotFound) {
			return tracking.ModelVersion{}, false, err
		}
		v, err := p.store.CreateModelVersion(ctx, tracking.ModelVersion{
			Model: cfg.Name, Version: next, RunID: run.ID, ArtifactURI: p.storage().VersionURI(cfg.Name, next),
			ContentHash: ContentHash(files), Lineage: lineage, Metrics: facts.Metrics,
		})
		if errors.Is(err, tracking.ErrExists) {
			continue // another apply took the number: take the next
		}
		return v, err == nil, err
	}
	return tracking.ModelVersion{}, false, fmt.Errorf("model %s: could not take a version number after 50 attempts; too many applies register versions at once", cfg.Name)
}

func getAttr(v cty.Value, attr string) cty.Value {
	if !v.IsKnown() || v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute(attr) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return v.GetAttr(attr)
}

// historyGates is the JSON of the gate results recorded with a move.
func historyGates(a aliasDecision, cfg modelConfig) json.RawMessage {
	type entry struct {
		Gate      *int   `json:"gate,omitempty"`
		Condition string `json:"condition,omitempty"`
		Passed    bool   `json:"passed"`
		Message   string `json:"message,omitempty"`
		Values    string `json:"values,omitempty"`
		Candidate int64  `json:"candidate,omitempty"`
		Note      string `json:"note,omitempty"`
	}
	var out []entry
	switch {
	case a.Pinned:
		out = append(out, entry{Passed: true, Candidate: a.Target, Note: fmt.Sprintf("pinned by version = %d; gates not evaluated", a.Target)})
	case a.Restored:
		out = append(out, entry{Passed: true, Candidate: a.Target, Note: "moved back: the alias was moved outside mltf"})
	case a.Target == 0 && !a.Evaluated:
		out = append(out, entry{Passed: true, Note: "removed from the model's aliases"})
	case len(a.Outcomes) == 0:
		out = append(out, entry{Passed: true, Candidate: a.Candidate, Note: "the model has no gates"})
	default:
		for _, o := range a.Outcomes {
			g := o.Gate
			cond := ""
			if g < len(cfg.Gates) {
				cond = cfg.Gates[g].Condition.Source
			}
			out = append(out, entry{Gate: &g, Condition: cond, Passed: o.Passed, Message: o.Message, Values: o.Values, Candidate: a.Candidate})
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// whoami is user@host.
func whoami() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}

func (p *Provider) destroyModel(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	var diags providers.Diagnostics
	name := stringOr(req.Prior.GetAttr("name"), defaultName(req.Address))
	priv := decodeModelPrivate(req.PriorPrivate)
	managed := priv.Aliases
	if len(managed) == 0 {
		// No private data (an older state): the aliases the state shows.
		if at := req.Prior.GetAttr("aliases_at"); at.IsWhollyKnown() && !at.IsNull() {
			for a, v := range at.AsValueMap() {
				managed[a] = int64(intOf(v))
			}
		}
	}
	positions, err := p.store.Aliases(ctx, name)
	if err != nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: diags.FromError("Cannot read the model's aliases", err)}
	}
	who := whoami()
	for _, a := range sortedAliases(managed) {
		cur := positions[a]
		if cur == 0 || cur != managed[a] {
			continue // gone, or moved by someone else since: not ours to remove
		}
		d := aliasDecision{Alias: a, Current: cur}
		if _, err := p.store.MoveAlias(ctx, tracking.AliasMove{Model: name, Alias: a, From: cur, Who: who, Gates: historyGates(d, modelConfig{})}); err != nil {
			diags = diags.FromError("Cannot remove alias "+a, err)
			continue
		}
		event(req, fmt.Sprintf("alias %s removed (was %d); the versions stay", a, cur))
	}
	if diags.HasErrors() {
		return providers.ApplyChangeResponse{New: req.Prior, Private: req.PriorPrivate, Diagnostics: diags}
	}
	return providers.ApplyChangeResponse{New: cty.NullVal(req.Prior.Type())}
}

// readModel reflects the registry: where the aliases point now. A model
// whose latest version is gone from the registry is gone.
func (p *Provider) readModel(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	var diags providers.Diagnostics
	cur := req.Current
	if cur.IsNull() || !cur.IsWhollyKnown() {
		return providers.ReadResponse{New: cur, Private: req.Private}
	}
	name := stringOr(cur.GetAttr("name"), defaultName(req.Address))
	latest := cur.GetAttr("latest_version")
	if !latest.IsNull() {
		if _, err := p.store.GetModelVersion(ctx, name, int64(intOf(latest))); errors.Is(err, tracking.ErrNotFound) {
			return providers.ReadResponse{New: cty.NullVal(cur.Type())}
		} else if err != nil {
			return providers.ReadResponse{New: cur, Private: req.Private, Diagnostics: diags.FromError("Cannot read the model registry", err)}
		}
	}
	positions, err := p.store.Aliases(ctx, name)
	if err != nil {
		return providers.ReadResponse{New: cur, Private: req.Private, Diagnostics: diags.FromError("Cannot read the model's aliases", err)}
	}
	var aliases []string
	if a := cur.GetAttr("aliases"); !a.IsNull() {
		for _, x := range a.AsValueSlice() {
			aliases = append(aliases, x.AsString())
		}
	}
	vals := cur.AsValueMap()
	at := map[string]cty.Value{}
	for _, a := range aliases {
		if v, ok := positions[a]; ok {
			at[a] = cty.NumberIntVal(v)
		}
	}
	vals["aliases_at"] = cty.MapValEmpty(cty.Number)
	if len(at) > 0 {
		vals["aliases_at"] = cty.MapVal(at)
	}
	switch {
	case len(aliases) > 0 && positions[aliases[0]] != 0:
		vals["uri"] = cty.StringVal(p.storage().VersionURI(name, positions[aliases[0]]))
	case len(aliases) > 0:
		vals["uri"] = cty.NullVal(cty.String)
	}
	return providers.ReadResponse{New: cty.ObjectVal(vals), Private: req.Private}
}
