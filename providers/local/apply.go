package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/trainingkind"
)

// destroyGrace is how long a cancelled training's ranks get between
// SIGTERM and SIGKILL.
const destroyGrace = 10 * time.Second

func (p *Provider) applyTraining(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	if req.Planned.IsNull() {
		return p.destroyTraining(ctx, req)
	}
	var resp providers.ApplyChangeResponse
	c, diags := decodeTraining(req.Config)
	if diags.HasErrors() {
		resp.Diagnostics = diags
		return resp
	}
	priv := decodePrivate(req.PlannedPrivate)
	prior := trainingkind.FactsOf(req.Prior)
	planned := trainingkind.FactsOf(req.Planned)

	switch {
	case planned.RunID != "" && planned.RunID == priv.Reuse && planned.RunID != prior.RunID:
		// The plan found a finished run with the same fingerprint: adopt it.
		priv.Reuse, priv.Adopted = "", true
		return providers.ApplyChangeResponse{New: req.Planned, Private: priv.encode()}
	case prior.RunID != "" && prior.RunID == planned.RunID && prior.Status == trainingkind.StatusRunning:
		return p.reattach(ctx, req, c, priv)
	case prior.RunID != "" && prior.RunID == planned.RunID:
		// Only policies changed on a finished run: nothing to do.
		return providers.ApplyChangeResponse{New: req.Planned, Private: priv.encode()}
	}
	return p.launch(ctx, req, c, priv)
}

// launch starts a new run and follows it to its end.
func (p *Provider) launch(ctx context.Context, req providers.ApplyChangeRequest, c *trainingConfig, priv privateData) providers.ApplyChangeResponse {
	var resp providers.ApplyChangeResponse
	s, tr := p.config()
	fail := func(summary string, err error) providers.ApplyChangeResponse {
		resp.Diagnostics = resp.Diagnostics.FromError(summary, err)
		return resp
	}
	in, code, data, err := plannedInputs(c, s.WorkDir)
	if err != nil {
		return fail("Cannot fingerprint the training", err)
	}
	if in == nil {
		return fail("Training inputs still unknown", fmt.Errorf("%s not known at apply; this is a bug in mltf", strings.Join(c.Unknown, ", ")))
	}
	fp := in.Fingerprint()
	if want := trainingkind.FactsOf(req.Planned).Fingerprint; want != "" && want != fp {
		return fail("Training changed since the plan", fmt.Errorf("the fingerprint was %s… at plan and is %s… now (%s); run mltf plan again",
			trainingkind.Short(want), trainingkind.Short(fp), strings.Join(trainingkind.ChangeReasons(priv.Inputs, in, priv.Code, code), ", ")))
	}

	// Another apply may have launched this very run before it was killed,
	// too early to save it in state: adopt that run rather than start a
	// second copy.
	if dir, ok := p.findLive(s, req.Address, fp); ok {
		run, _ := launcher.Open(dir)
		priv.Inputs, priv.Code = in, code
		return p.follow(ctx, req, c, run, priv, nil, false)
	}

	runID := strings.ReplaceAll(uuid.NewString(), "-", "")
	dir := runDir(s, runID)
	codeFrom := c.Code
	if !filepath.IsAbs(codeFrom) {
		codeFrom = filepath.Join(s.WorkDir, codeFrom)
	}
	if err := os.MkdirAll(launcher.CodeDir(dir), 0o755); err != nil {
		return fail("Cannot create the run directory", err)
	}
	if err := snapshot(codeFrom, launcher.CodeDir(dir), code); err != nil {
		return fail("Cannot snapshot the code", err)
	}
	if m, err := trainingkind.HashTree(launcher.CodeDir(dir)); err != nil || m.Sum() != in.Code {
		os.RemoveAll(dir)
		return fail("Code changed while it was copied", fmt.Errorf("files under %s changed during the snapshot; run mltf apply again", codeFrom))
	}
	env, err := newLaunchEnv(c, req.Sensitive, in, s.WorkDir)
	if err != nil {
		os.RemoveAll(dir)
		return fail("Cannot resolve secret_env", err)
	}
	commit, dirty := gitState(ctx, s.WorkDir)
	p.mu.Lock()
	host := p.host
	p.mu.Unlock()
	meta := runMeta{
		RunID: runID, Fingerprint: fp, Address: req.Address, Workspace: s.Workspace,
		ExperimentID: c.Experiment.ID, Experiment: c.Experiment.Name, Params: env.trackedParams,
		GitCommit: commit, GitDirty: dirty, Host: host.Hostname, GPUs: host.GPUs,
	}
	if err := writeMeta(dir, meta); err != nil {
		return fail("Cannot write the run directory", err)
	}

	release, err := p.acquireSlots(ctx, c, req.Events, true)
	if err != nil {
		os.RemoveAll(dir)
		return fail("Interrupted while waiting for the pool", err)
	}
	sup, err := p.supervisorCommand()
	if err != nil {
		release()
		return fail("Cannot start the training", err)
	}
	run, err := launcher.Start(ctx, dir, buildSpec(c, env, data, runID), sup)
	if err != nil {
		release()
		return fail("Cannot start the training", err)
	}
	priv.Inputs, priv.Code = in, code
	st, _ := run.Status()
	facts := factsFromStatus(dir, meta, st)
	partial := trainingkind.ObjectWith(req.Config, facts.Values())
	req.Events(providers.Event{Type: providers.EventPartial, Time: time.Now(), Partial: partial, PartialPrivate: priv.encode()})
	if err := record(ctx, tr, meta, st, facts, true); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, providers.Diagnostic{Severity: providers.Warning,
			Summary: "Cannot record the run in the tracking store", Detail: err.Error()})
	}
	out := p.follow(ctx, req, c, run, priv, release, true)
	out.Diagnostics = append(resp.Diagnostics, out.Diagnostics...)
	return out
}

// reattach follows a run an earlier apply launched.
func (p *Provider) reattach(ctx context.Context, req providers.ApplyChangeRequest, c *trainingConfig, priv privateData) providers.ApplyChangeResponse {
	s, _ := p.config()
	prior := trainingkind.FactsOf(req.Prior)
	run, err := launcher.Open(runDir(s, prior.RunID))
	if err != nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: providers.Diagnostics{}.FromError(
			"Cannot re-attach to the training", fmt.Errorf("run %s: %w; if it is gone for good, taint or destroy %s", prior.RunID, err, req.Address))}
	}
	release, _ := p.acquireSlots(ctx, c, req.Events, false)
	return p.follow(ctx, req, c, run, priv, release, false)
}

// findLive finds a run of this address and fingerprint that is still
// going in the runs directory.
func (p *Provider) findLive(s providers.Settings, address, fp string) (string, bool) {
	entries, err := os.ReadDir(s.RunsDir)
	if err != nil {
		return "", false
	}
	for _, e := range entries {
		dir := filepath.Join(s.RunsDir, e.Name())
		m, err := readMeta(dir)
		if err != nil || m.Fingerprint != fp || m.Address != address || m.Workspace != s.Workspace {
			continue
		}
		if st, err := launcher.ReadStatus(dir); err == nil && !st.State.Terminal() {
			return dir, true
		}
	}
	return "", false
}

// acquireSlots takes the training's ranks from its pool's slots, waiting
// (and saying so) while other trainings hold them. With wait false (a run
// that already runs) it takes what is free and never waits.
func (p *Provider) acquireSlots(ctx context.Context, c *trainingConfig, events func(providers.Event), wait bool) (func(), error) {
	n := int64(c.WorldSize())
	sem := p.pools.get(c.Pool.ClusterID, c.Pool.Name, max(c.Pool.Slots, c.WorldSize()))
	if sem.TryAcquire(n) {
		return func() { sem.Release(n) }, nil
	}
	if !wait {
		return func() {}, nil
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan error, 1)
	go func() { got <- sem.Acquire(actx, n) }()
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	say := func() {
		events(providers.Event{Type: providers.EventProgress, Time: time.Now(), Progress: &providers.Progress{
			Message: fmt.Sprintf("waiting for %d %s in pool %s", n, trainingkind.Plural(int(n), "slot", "slots"), c.Pool.Name),
			Elapsed: time.Since(start)}})
	}
	say()
	for {
		select {
		case err := <-got:
			if err != nil {
				return nil, err
			}
			return func() { sem.Release(n) }, nil
		case <-tick.C:
			say()
		case <-p.stopped():
			cancel()
			if err := <-got; err == nil {
				sem.Release(n)
			}
			return nil, errInterrupted
		}
	}
}

// launchEnv is the environment a run's ranks get from the configuration:
// plain variables, written in the run's spec.json, and the sensitive ones
// (sensitive env values, params holding sensitive values, secret_env),
// which reach the supervisor through its own environment only.
type launchEnv struct {
	plain, secret map[string]string
	// trackedParams are the params recorded in run.json and tracking.
	trackedParams []byte
}

func newLaunchEnv(c *trainingConfig, sensitive []cty.Path, in *trainingkind.Inputs, workDir string) (launchEnv, error) {
	var e launchEnv
	sec := trainingkind.SecretsOf(sensitive)
	params := []byte("{}")
	if in != nil {
		params = in.Params
	}
	e.plain, e.secret = c.LaunchEnv(sec, params)
	resolved, err := c.ResolveSecretEnv(workDir)
	if err != nil {
		return e, err
	}
	for k, v := range resolved {
		e.secret[k] = v
	}
	e.trackedParams, err = c.TrackedParams(sec)
	return e, err
}

// buildSpec turns a training into what its supervisor runs.
func buildSpec(c *trainingConfig, le launchEnv, data map[string]trainingkind.DataRef, runID string) *launcher.Spec {
	env := map[string]string{}
	for k, v := range le.plain {
		env[k] = v
	}
	for name, r := range data {
		env[trainingkind.DataEnvName(name)] = r.Location
	}
	spec := &launcher.Spec{
		RunID: runID, Command: c.Command, Env: env, Secrets: le.secret,
		Nodes: c.Nodes, ProcsPerNode: c.ProcsPerNode, Backend: c.ResolvedBackend(),
		MasterPort: c.MasterPort, DistTimeout: launcher.Duration(c.DistTimeout), NCCL: c.NCCL,
		CheckpointEvery: launcher.Duration(c.CheckpointEvery), CheckpointKeep: c.Keep,
		RetryInfrastructure: c.RetryInfra, RetryUserError: c.RetryUser,
		HangTimeout: launcher.Duration(c.HangTimeout), StopGrace: launcher.Duration(5 * time.Second),
	}
	if c.CPUs > 0 {
		spec.OMPThreads = max(1, c.CPUs/c.ProcsPerNode)
	}
	for i := range c.Pool.GPUs {
		spec.GPUs = append(spec.GPUs, fmt.Sprint(i))
	}
	return spec
}

func (p *Provider) destroyTraining(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	var resp providers.ApplyChangeResponse
	resp.New = cty.NullVal(trainingSchema().ImpliedType())
	s, tr := p.config()
	prior := trainingkind.FactsOf(req.Prior)
	if prior.RunID == "" || decodePrivate(req.PriorPrivate).Adopted {
		return resp
	}
	run, err := launcher.Open(runDir(s, prior.RunID))
	if err != nil {
		return resp // nothing left of it here
	}
	st, _ := run.Status()
	if !st.State.Terminal() {
		req.Events(providers.Event{Type: providers.EventProgress, Time: time.Now(),
			Progress: &providers.Progress{Message: fmt.Sprintf("cancelling run %s…", trainingkind.Short(prior.RunID))}})
		if err := run.Cancel(ctx, destroyGrace); err != nil {
			resp.Diagnostics = resp.Diagnostics.FromError("Cannot cancel the training", err)
			resp.New = req.Prior
			return resp
		}
		if m, err := readMeta(run.Dir); err == nil {
			ingest(ctx, run, prior.RunID, tr, nil)
			st, _ = run.Status()
			if err := record(ctx, tr, m, st, factsFromStatus(run.Dir, m, st), false); err != nil {
				resp.Diagnostics = append(resp.Diagnostics, providers.Diagnostic{Severity: providers.Warning,
					Summary: "Cannot record the cancelled run in the tracking store", Detail: err.Error()})
			}
		}
	}
	if err := run.DeleteCheckpoints(); err != nil {
		resp.Diagnostics = resp.Diagnostics.FromError("Cannot delete the training's checkpoints", err)
	}
	return resp
}
