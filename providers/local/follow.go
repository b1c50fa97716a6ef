package local

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/trainingkind"
)

// pollEvery is how often a followed run's files are read.
const pollEvery = 200 * time.Millisecond

// follow streams a run's logs, metrics and progress until it ends, then
// finishes it (artifacts, tracking) and returns its final value. When
// mltf is stopped first, it returns the running value: the run goes on.
func (p *Provider) follow(ctx context.Context, req providers.ApplyChangeRequest, c *trainingConfig, run *launcher.Run, priv privateData, release func(), fresh bool) providers.ApplyChangeResponse {
	if release != nil {
		defer release()
	}
	s, tr := p.config()
	meta, err := readMeta(run.Dir)
	if err != nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: providers.Diagnostics{}.FromError("Cannot read the run", err)}
	}
	logs := newLogTail(run, c.WorldSize(), fresh)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var lastProgress time.Time
	var lastStep int64 = -1
	var diags providers.Diagnostics
	for {
		st, err := run.Status()
		if err != nil {
			return providers.ApplyChangeResponse{New: req.Prior, Private: priv.encode(), Diagnostics: diags.FromError("Cannot read the run's status", err)}
		}
		if _, err := ingest(ctx, run, meta.RunID, tr, req.Events); err != nil && !tracked(diags) {
			diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Cannot write metrics to the tracking store", Detail: err.Error()})
		}
		logs.emit(req.Events)
		if st.State.Terminal() {
			f, fd := p.finish(ctx, s, tr, run, meta, st)
			diags = append(diags, fd...)
			return providers.ApplyChangeResponse{New: trainingkind.ObjectWith(req.Config, f.Values()), Private: priv.encode(), Diagnostics: diags}
		}
		if !run.Alive() {
			// Wait for a last status the supervisor may have been writing.
			time.Sleep(50 * time.Millisecond)
			if st2, err := run.Status(); err == nil && !st2.State.Terminal() {
				sup, err := p.supervisorCommand()
				var env launchEnv
				if err == nil {
					env, err = newLaunchEnv(c, req.Sensitive, priv.Inputs, s.WorkDir)
				}
				if err == nil {
					err = run.Resume(ctx, sup, env.secret)
				}
				if err != nil {
					return providers.ApplyChangeResponse{New: req.Prior, Private: priv.encode(), Diagnostics: diags.FromError("The training's supervisor is gone", err)}
				}
				req.Events(providers.Event{Type: providers.EventLog, Time: time.Now(), Log: &providers.LogLine{Source: "supervisor",
					Line: "the supervisor was lost; a new one restarts the ranks from the newest checkpoint"}})
			}
			continue
		}
		if st.Step != lastStep || time.Since(lastProgress) >= time.Second {
			lastStep, lastProgress = st.Step, time.Now()
			req.Events(providers.Event{Type: providers.EventProgress, Time: time.Now(), Progress: progress(st)})
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return p.interrupted(req, run, meta, st, priv, diags)
		case <-p.stopped():
			return p.interrupted(req, run, meta, st, priv, diags)
		}
	}
}

func tracked(d providers.Diagnostics) bool {
	for _, x := range d {
		if x.Summary == "Cannot write metrics to the tracking store" {
			return true
		}
	}
	return false
}

// interrupted is the answer of a follow that mltf stopped: the run goes
// on, and the next apply re-attaches.
func (p *Provider) interrupted(req providers.ApplyChangeRequest, run *launcher.Run, meta runMeta, st launcher.Status, priv privateData, diags providers.Diagnostics) providers.ApplyChangeResponse {
	f := factsFromStatus(run.Dir, meta, st)
	return providers.ApplyChangeResponse{
		New:     trainingkind.ObjectWith(req.Config, f.Values()),
		Private: priv.encode(),
		Diagnostics: diags.Errorf("Training still running",
			"mltf stopped following %s, but its run %s goes on in the background (logs in %s). The next mltf apply re-attaches to it; mltf destroy cancels it.",
			req.Address, meta.RunID, run.Dir),
	}
}

func progress(st launcher.Status) *providers.Progress {
	msg := string(st.State)
	if st.Attempt > 1 {
		msg = fmt.Sprintf("%s (attempt %d", msg, st.Attempt)
		if n := len(st.Attempts); n >= 2 && st.Attempts[n-2].Failure != nil {
			msg += ", after " + st.Attempts[n-2].Failure.Message
		}
		msg += ")"
	}
	return &providers.Progress{Message: msg, Step: st.Step, Total: st.Total, Elapsed: time.Since(st.Started), Metrics: st.Metrics}
}

// finish completes an ended run: its last metrics, its artifacts on
// success, its record in the tracking store. It is idempotent, so that
// both apply and refresh may call it.
func (p *Provider) finish(ctx context.Context, s providers.Settings, tr Tracker, run *launcher.Run, meta runMeta, st launcher.Status) (trainingkind.RunFacts, providers.Diagnostics) {
	var diags providers.Diagnostics
	if _, err := ingest(ctx, run, meta.RunID, tr, nil); err != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Cannot write metrics to the tracking store", Detail: err.Error()})
	}
	if st.State == launcher.Succeeded && meta.ArtifactURI == "" {
		uri, err := uploadArtifacts(ctx, s.ArtifactsURL, s.WorkDir, meta.RunID, run.ArtifactDir())
		if err != nil {
			diags = diags.FromError("Cannot upload the training's artifacts", err)
			f := factsFromStatus(run.Dir, meta, st)
			f.Status = trainingkind.StatusFailed
			return f, diags
		}
		meta.ArtifactURI = uri
		if err := writeMeta(run.Dir, meta); err != nil {
			diags = diags.FromError("Cannot write the run directory", err)
		}
	}
	f := factsFromStatus(run.Dir, meta, st)
	if err := record(ctx, tr, meta, st, f, false); err != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Cannot record the run in the tracking store", Detail: err.Error()})
	}
	switch st.State {
	case launcher.Failed:
		diags = diags.Errorf("Training failed", "%s", failureDetail(run, meta, st))
	case launcher.Cancelled:
		diags = diags.Errorf("Training cancelled", "run %s was cancelled; the next mltf apply starts a new run.", meta.RunID)
	}
	return f, diags
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
		fmt.Fprintf(&b, "; retry.%s allows %d %s and %d %s used.", e.Cause, budget, trainingkind.Plural(budget, "restart", "restarts"),
			st.Restarts[string(e.Cause)], trainingkind.Plural(st.Restarts[string(e.Cause)], "was", "were"))
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

func (p *Provider) readTraining(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	cur := trainingkind.FactsOf(req.Current)
	if req.Current.IsNull() || cur.Status != trainingkind.StatusRunning || cur.RunID == "" {
		return providers.ReadResponse{New: req.Current, Private: req.Private}
	}
	s, tr := p.config()
	run, err := launcher.Open(runDir(s, cur.RunID))
	if err != nil {
		failed := trainingkind.ObjectWith(req.Current, map[string]cty.Value{"status": cty.StringVal(trainingkind.StatusFailed)})
		return providers.ReadResponse{New: failed, Private: req.Private, Diagnostics: providers.Diagnostics{{Severity: providers.Warning,
			Summary: "Training run lost", Detail: fmt.Sprintf("run %s was running, but its directory is gone (%v); the next apply starts a new run.", cur.RunID, err)}}}
	}
	meta, err := readMeta(run.Dir)
	if err != nil {
		return providers.ReadResponse{New: req.Current, Private: req.Private, Diagnostics: providers.Diagnostics{}.FromError("Cannot read the run", err)}
	}
	st, err := run.Status()
	if err != nil {
		return providers.ReadResponse{New: req.Current, Private: req.Private, Diagnostics: providers.Diagnostics{}.FromError("Cannot read the run's status", err)}
	}
	if !st.State.Terminal() {
		ingest(ctx, run, meta.RunID, tr, nil)
		return providers.ReadResponse{New: trainingkind.ObjectWith(req.Current, factsFromStatus(run.Dir, meta, st).Values()), Private: req.Private}
	}
	f, diags := p.finish(ctx, s, tr, run, meta, st)
	var warn providers.Diagnostics
	for _, d := range diags {
		d.Severity = providers.Warning // a refresh reports; the next plan acts
		warn = append(warn, d)
	}
	return providers.ReadResponse{New: trainingkind.ObjectWith(req.Current, f.Values()), Private: req.Private, Diagnostics: warn}
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

func (t *logTail) emit(events func(providers.Event)) {
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
		now := time.Now()
		for _, line := range strings.Split(string(buf[:end]), "\n") {
			events(providers.Event{Type: providers.EventLog, Time: now, Log: &providers.LogLine{Source: t.sources[i], Line: line}})
		}
	}
}
