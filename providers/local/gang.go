package local

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/runflow"
)

// A followed run's files are read first every pollFirst, then less and
// less often, up to every pollEvery while nothing changes: a short run's
// end is noticed within milliseconds, a long one costs little.
const (
	pollFirst = 5 * time.Millisecond
	pollEvery = 200 * time.Millisecond
)

// gang is a run directory and its supervisor.
type gang struct {
	p       *Provider
	s       providers.Settings
	run     *launcher.Run
	meta    runMeta
	release func() // the pool's slots, when held
	logs    *logTail
	// secrets are the sensitive variables a new supervisor needs.
	secrets func() (map[string]string, error)
}

var _ runflow.Gang = (*gang)(nil)

// gang opens a run's gang; fresh runs have their logs followed from the
// start, others from where they are now.
func (b *backend) gang(run *launcher.Run, r *runflow.Run, release func(), fresh bool) (*gang, error) {
	meta, err := readMeta(run.Dir)
	if err != nil {
		if release != nil {
			release()
		}
		return nil, &runflow.Error{Summary: "Cannot read the run", Err: err}
	}
	secrets := func() (map[string]string, error) {
		env, err := newLaunchEnv(r.Config, r.Sensitive, r.Planned.Inputs, r.Settings.WorkDir)
		return env.secret, err
	}
	return &gang{p: b.p, s: r.Settings, run: run, meta: meta, release: release, logs: newLogTail(run, r.Config.WorldSize(), fresh), secrets: secrets}, nil
}

func (g *gang) status() launcher.Status {
	st, _ := g.run.Status()
	return st
}

func (g *gang) Facts() training.RunFacts { return factsFromStatus(g.run.Dir, g.meta, g.status()) }

func (g *gang) Where() any { return nil }

func (g *gang) Env() map[string]string { return env(g.meta, g.status()) }

func (g *gang) Stop(ctx context.Context, grace time.Duration) error { return g.run.Cancel(ctx, grace) }

// Follow streams the run's logs, metrics and progress until it ends, then
// finishes it (metrics, artifacts). When ctx is done first the run goes
// on under its supervisor.
func (g *gang) Follow(ctx context.Context, w *runflow.Watch) runflow.Outcome {
	if g.release != nil {
		defer g.release()
	}
	wait := pollFirst
	timer := time.NewTimer(wait)
	defer timer.Stop()
	exited := g.run.Exited()
	var lastProgress time.Time
	var lastStep int64 = -1
	for {
		st, err := g.run.Status()
		if err != nil {
			return runflow.Outcome{Facts: factsFromStatus(g.run.Dir, g.meta, st), Diagnostics: providers.Diagnostics{}.FromError("Cannot read the run's status", err)}
		}
		ingest(ctx, g.run, w)
		g.logs.emit(w)
		if st.State.Terminal() {
			return g.finish(ctx, st, w)
		}
		if !g.run.Alive() {
			// Wait for a last status the supervisor may have been writing.
			time.Sleep(50 * time.Millisecond)
			if st2, err := g.run.Status(); err == nil && !st2.State.Terminal() {
				sup, err := g.p.supervisorCommand()
				var secrets map[string]string
				if err == nil {
					secrets, err = g.secrets()
				}
				if err == nil {
					err = g.run.Resume(ctx, sup, secrets)
				}
				if err != nil {
					return runflow.Outcome{Facts: factsFromStatus(g.run.Dir, g.meta, st), Diagnostics: providers.Diagnostics{}.FromError("The training's supervisor is gone", err)}
				}
				w.Log("supervisor", "the supervisor was lost; a new one restarts the ranks from the newest checkpoint")
			}
			continue
		}
		if st.Step != lastStep || time.Since(lastProgress) >= time.Second {
			lastStep, lastProgress = st.Step, time.Now()
			w.Progress(progress(st))
		}
		wait = min(wait*2, pollEvery)
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-exited:
			exited = nil // read the last status now; poll after that
		case <-ctx.Done():
			return runflow.Outcome{Facts: factsFromStatus(g.run.Dir, g.meta, st), Detail: fmt.Sprintf("in the background (logs in %s)", g.run.Dir)}
		}
	}
}

func progress(st launcher.Status) providers.Progress {
	msg := string(st.State)
	if st.Attempt > 1 {
		msg = fmt.Sprintf("%s (attempt %d", msg, st.Attempt)
		if n := len(st.Attempts); n >= 2 && st.Attempts[n-2].Failure != nil {
			msg += ", after " + st.Attempts[n-2].Failure.Message
		}
		msg += ")"
	}
	return providers.Progress{Message: msg, Step: st.Step, Total: st.Total, Elapsed: time.Since(st.Started), Metrics: st.Metrics}
}

// finish completes an ended run: its last metrics and its artifacts on
// success. It is idempotent, so that both apply and refresh may call it.
func (g *gang) finish(ctx context.Context, st launcher.Status, w *runflow.Watch) runflow.Outcome {
	var diags providers.Diagnostics
	ingest(ctx, g.run, w)
	if st.State == launcher.Succeeded && g.meta.ArtifactURI == "" {
		uri, err := uploadArtifacts(ctx, g.s.ArtifactsURL, g.s.WorkDir, g.meta.RunID, g.run.ArtifactDir())
		if err != nil {
			f := factsFromStatus(g.run.Dir, g.meta, st)
			f.Status = training.StatusFailed
			return runflow.Outcome{Facts: f, Ended: true, Diagnostics: diags.FromError("Cannot upload the training's artifacts", err)}
		}
		g.meta.ArtifactURI = uri
		if err := writeMeta(g.run.Dir, g.meta); err != nil {
			diags = diags.FromError("Cannot write the run directory", err)
		}
	}
	out := runflow.Outcome{Facts: factsFromStatus(g.run.Dir, g.meta, st), Ended: true, Diagnostics: diags}
	switch st.State {
	case launcher.Failed:
		out.Detail = failureDetail(g.run, g.meta, st)
	case launcher.Cancelled:
		out.Detail = fmt.Sprintf("run %s was cancelled; the next mltf apply starts a new run.", g.meta.RunID)
	}
	return out
}

// failureDetail explains a failed run: the cause, the budgets and the
// last lines of the failing rank.
func failureDetail(run *launcher.Run, meta runMeta, st launcher.Status) string {
	var b strings.Builder
	e := st.Error
	if e == nil {
		fmt.Fprintf(&b, "run %s failed.", meta.RunID)
		return b.String()
	}
	fmt.Fprintf(&b, "%s, a failure that counts as %s", e.Message, strings.ReplaceAll(string(e.Cause), "_", " "))
	if spec, err := run.Spec(); err == nil {
		budget := spec.RetryUserError
		if e.Cause == launcher.Infrastructure {
			budget = spec.RetryInfrastructure
		}
		fmt.Fprintf(&b, "; retry.%s allows %d %s and %d %s used.", e.Cause, budget, training.Plural(budget, "restart", "restarts"),
			st.Restarts[string(e.Cause)], training.Plural(st.Restarts[string(e.Cause)], "was", "were"))
	}
	if len(e.Tail) > 0 {
		fmt.Fprintf(&b, "\n\nLast lines of rank %d:\n", e.Rank)
		for _, l := range e.Tail {
			b.WriteString("  " + l + "\n")
		}
	}
	if e.Rank >= 0 {
		fmt.Fprintf(&b, "\nFull log: %s", run.LogPath(e.Rank))
	} else {
		fmt.Fprintf(&b, "\nLogs: %s", run.Dir)
	}
	return b.String()
}

// logTail follows the rank and supervisor logs of a run, from their
// start or from where they end when it is made.
type logTail struct {
	paths   []string
	sources []string
	offsets []int64
}

func newLogTail(run *launcher.Run, world int, fromStart bool) *logTail {
	t := &logTail{}
	for n := range world {
		t.paths = append(t.paths, run.LogPath(n))
		t.sources = append(t.sources, fmt.Sprintf("rank %d", n))
	}
	t.paths = append(t.paths, run.Dir+"/logs/supervisor.log")
	t.sources = append(t.sources, "supervisor")
	for _, p := range t.paths {
		var off int64
		if fi, err := os.Stat(p); err == nil && !fromStart {
			off = fi.Size()
		}
		t.offsets = append(t.offsets, off)
	}
	return t
}

func (t *logTail) emit(w *runflow.Watch) {
	for i, p := range t.paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		if err != nil || fi.Size() <= t.offsets[i] {
			f.Close()
			continue
		}
		buf := make([]byte, fi.Size()-t.offsets[i])
		n, _ := f.ReadAt(buf, t.offsets[i])
		f.Close()
		buf = buf[:n]
		end := strings.LastIndexByte(string(buf), '\n')
		if end < 0 {
			continue
		}
		t.offsets[i] += int64(end + 1)
		for _, line := range strings.Split(string(buf[:end]), "\n") {
			w.Log(t.sources[i], line)
		}
	}
}
