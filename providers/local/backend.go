package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/runflow"
)

// destroyGrace is how long a cancelled training's ranks get between
// SIGTERM and SIGKILL.
const destroyGrace = 10 * time.Second

// backend runs gangs on this machine: each run a directory under the runs
// directory, whose detached supervisor (package launcher) starts the
// ranks and restarts them within the retry budgets, and survives mltf.
type backend struct{ p *Provider }

var _ runflow.Backend = (*backend)(nil)

func (b *backend) Name() string { return "local" }

func (b *backend) Check(r *runflow.Run, create bool) providers.Diagnostics { return nil }

func (b *backend) Describe(c *runflow.Config) string {
	return training.Shape(c.Nodes, c.ProcsPerNode, c.Backend)
}

func (b *backend) Locate(json.RawMessage) string { return "" }

func (b *backend) Finished(r *runflow.Run, tracked *training.RunFacts) (training.RunFacts, bool) {
	if tracked != nil {
		f := *tracked
		f.CheckpointURI = checkpointURI(runDir(r.Settings, f.RunID))
		return f, true
	}
	return finished(r.Settings, r.Fingerprint())
}

// FindLive finds a run of this address and fingerprint that is still
// going in the runs directory, or that succeeded with no apply following
// it: an apply killed between starting a run and saving it leaves either
// one, and launching again would run the same inputs twice. Following the
// adopted run completes it (metrics, artifacts) as the killed apply would
// have.
func (b *backend) FindLive(ctx context.Context, r *runflow.Run, w *runflow.Watch) (runflow.Gang, bool, error) {
	s := r.Settings
	entries, err := os.ReadDir(s.RunsDir)
	if err != nil {
		return nil, false, nil
	}
	for _, e := range entries {
		dir := filepath.Join(s.RunsDir, e.Name())
		m, err := readMeta(dir)
		if err != nil || m.Fingerprint != r.Fingerprint() || m.Address != r.Address || m.Workspace != s.Workspace {
			continue
		}
		if st, err := launcher.ReadStatus(dir); err == nil && (!st.State.Terminal() || st.State == launcher.Succeeded && m.ArtifactURI == "") {
			run, err := launcher.Open(dir)
			if err != nil {
				continue
			}
			g, err := b.gang(run, r, nil, false)
			return g, err == nil, err
		}
	}
	return nil, false, nil
}

// Launch snapshots the code into a new run directory, waits for the
// pool's slots and starts the run's supervisor.
func (b *backend) Launch(ctx context.Context, r *runflow.Run, w *runflow.Watch) (runflow.Gang, error) {
	s, c, in := r.Settings, r.Config, r.Planned.Inputs
	runID := strings.ReplaceAll(uuid.NewString(), "-", "")
	dir := runDir(s, runID)
	codeFrom := c.CodePath(s.WorkDir)
	if err := os.MkdirAll(launcher.CodeDir(dir), 0o755); err != nil {
		return nil, &runflow.Error{Summary: "Cannot create the run directory", Err: err}
	}
	if err := snapshot(codeFrom, launcher.CodeDir(dir), r.Planned.Code); err != nil {
		return nil, &runflow.Error{Summary: "Cannot snapshot the code", Err: err}
	}
	if m, err := training.HashTree(launcher.CodeDir(dir)); err != nil || m.Sum() != in.Code {
		os.RemoveAll(dir)
		return nil, runflow.Errorf("Code changed while it was copied", "files under %s changed during the snapshot; run mltf apply again", codeFrom)
	}
	env, err := newLaunchEnv(c, r.Sensitive, in, s.WorkDir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, &runflow.Error{Summary: "Cannot resolve secret_env", Err: err}
	}
	host := b.p.hostFacts()
	meta := runMeta{
		RunID: runID, Fingerprint: in.Fingerprint(), Address: r.Address, Workspace: s.Workspace,
		ExperimentID: c.Experiment.ID, Experiment: c.Experiment.Name, Params: env.trackedParams,
		Host: host.Hostname, GPUs: host.GPUs,
	}
	if err := writeMeta(dir, meta); err != nil {
		return nil, &runflow.Error{Summary: "Cannot write the run directory", Err: err}
	}
	pool := c.Placement.(poolRef)
	release, err := b.p.acquireSlots(ctx, c, pool, w, true)
	if err != nil {
		os.RemoveAll(dir)
		return nil, &runflow.Error{Summary: "Interrupted while waiting for the pool", Err: err}
	}
	sup, err := b.p.supervisorCommand()
	if err != nil {
		release()
		return nil, err
	}
	run, err := launcher.Start(ctx, dir, buildSpec(c, pool, env, r.Planned.Data, runID), sup)
	if err != nil {
		release()
		return nil, err
	}
	return b.gang(run, r, release, true)
}

// Attach opens the directory of a run an earlier apply launched.
func (b *backend) Attach(ctx context.Context, r *runflow.Run, w *runflow.Watch) (runflow.Gang, error) {
	run, err := launcher.Open(runDir(r.Settings, r.ID))
	if err != nil {
		return nil, fmt.Errorf("run %s: %w; if it is gone for good, taint or destroy %s", r.ID, err, r.Address)
	}
	release, _ := b.p.acquireSlots(ctx, r.Config, r.Config.Placement.(poolRef), w, false)
	return b.gang(run, r, release, false)
}

// Refresh reads a running run's directory; a run that ended is completed
// (metrics, artifacts) as apply would have.
func (b *backend) Refresh(ctx context.Context, r *runflow.Run, w *runflow.Watch) runflow.Refreshed {
	cur := r.Facts
	if cur.Status != training.StatusRunning {
		return runflow.Refreshed{Facts: cur}
	}
	run, err := launcher.Open(runDir(r.Settings, cur.RunID))
	if err != nil {
		cur.Status = training.StatusFailed
		return runflow.Refreshed{Facts: cur, Diagnostics: providers.Diagnostics{{Severity: providers.Warning,
			Summary: "Training run lost", Detail: fmt.Sprintf("run %s was running, but its directory is gone (%v); the next apply starts a new run.", cur.RunID, err)}}}
	}
	g, err := b.gang(run, r, nil, false)
	if err != nil {
		return runflow.Refreshed{Facts: cur, Diagnostics: providers.Diagnostics{}.FromError("Cannot read the run", err)}
	}
	st, err := run.Status()
	if err != nil {
		return runflow.Refreshed{Facts: cur, Diagnostics: providers.Diagnostics{}.FromError("Cannot read the run's status", err)}
	}
	if !st.State.Terminal() {
		ingest(ctx, run, w)
		return runflow.Refreshed{Facts: factsFromStatus(run.Dir, g.meta, st)}
	}
	out := g.finish(ctx, st, w)
	var warn providers.Diagnostics
	for _, d := range out.Diagnostics {
		d.Severity = providers.Warning // a refresh reports; the next plan acts
		warn = append(warn, d)
	}
	return runflow.Refreshed{Facts: out.Facts, Diagnostics: warn}
}

// Destroy cancels a run that still runs and deletes its checkpoints.
func (b *backend) Destroy(ctx context.Context, r *runflow.Run, w *runflow.Watch) providers.Diagnostics {
	var diags providers.Diagnostics
	run, err := launcher.Open(runDir(r.Settings, r.ID))
	if err != nil {
		return nil // nothing left of it here
	}
	st, _ := run.Status()
	if !st.State.Terminal() {
		w.Progress(providers.Progress{Message: fmt.Sprintf("cancelling run %s…", training.Short(r.ID))})
		if err := run.Cancel(ctx, destroyGrace); err != nil {
			return diags.FromError("Cannot cancel the training", err)
		}
		if m, err := readMeta(run.Dir); err == nil {
			ingest(ctx, run, w)
			st, _ = run.Status()
			w.Record(ctx, factsFromStatus(run.Dir, m, st), env(m, st), false)
		}
	}
	if err := run.DeleteCheckpoints(); err != nil {
		diags = diags.FromError("Cannot delete the training's checkpoints", err)
	}
	return diags
}

var errInterrupted = errors.New("interrupted")

// acquireSlots takes the training's ranks from its pool's slots, waiting
// (and saying so) while other trainings hold them. With wait false (a run
// that already runs) it takes what is free and never waits.
func (p *Provider) acquireSlots(ctx context.Context, c *runflow.Config, pool poolRef, w *runflow.Watch, wait bool) (func(), error) {
	n := int64(c.WorldSize())
	sem := p.pools.get(pool.ClusterID, pool.Name, max(pool.Slots, c.WorldSize()))
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
		w.Progress(providers.Progress{
			Message: fmt.Sprintf("waiting for %d %s in pool %s", n, training.Plural(int(n), "slot", "slots"), pool.Name),
			Elapsed: time.Since(start)})
	}
	say()
	for {
		select {
		case err := <-got:
			if err != nil {
				return nil, errInterrupted
			}
			return func() { sem.Release(n) }, nil
		case <-tick.C:
			say()
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

func newLaunchEnv(c *runflow.Config, sensitive []cty.Path, in *training.Inputs, workDir string) (launchEnv, error) {
	var e launchEnv
	sec := training.SecretsOf(sensitive)
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
func buildSpec(c *runflow.Config, pool poolRef, le launchEnv, data map[string]training.DataRef, runID string) *launcher.Spec {
	env := map[string]string{}
	for k, v := range le.plain {
		env[k] = v
	}
	for name, r := range data {
		env[training.DataEnvName(name)] = r.Location
	}
	spec := &launcher.Spec{
		RunID: runID, Command: c.Command, Env: env, Secrets: le.secret,
		Nodes: c.Nodes, ProcsPerNode: c.ProcsPerNode, Backend: c.Backend,
		MasterPort: c.MasterPort, DistTimeout: launcher.Duration(c.DistTimeout), NCCL: c.NCCL,
		CheckpointEvery: launcher.Duration(c.CheckpointEvery), CheckpointKeep: c.Keep,
		RetryInfrastructure: c.RetryInfra, RetryUserError: c.RetryUser,
		HangTimeout: launcher.Duration(c.HangTimeout), StopGrace: launcher.Duration(5 * time.Second),
	}
	if c.CPUs > 0 {
		spec.OMPThreads = max(1, c.CPUs/c.ProcsPerNode)
	}
	for i := range pool.GPUs {
		spec.GPUs = append(spec.GPUs, fmt.Sprint(i))
	}
	return spec
}
