package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state/tracking"
)

// PipelineRun asks for one pipeline of the served configuration to be
// planned and applied.
type PipelineRun struct {
	// PipelineID is the pipeline block's name: "features" for
	// pipeline "features" {}.
	PipelineID string
	// Variables override the configuration's variables, as -var does.
	Variables map[string]any
	// Output receives what mltf apply prints.
	Output func(line string)
}

// PipelineRunner plans and applies a pipeline as mltf apply
// -target=pipeline.ID does, under the state lock, and says whether it
// succeeded. mltf server's command provides it; without one the pipeline
// endpoints answer 501.
type PipelineRunner func(ctx context.Context, r PipelineRun) error

// PipelineRunRecord is a pipeline run as /api/v1 shows it. Runs are
// recorded in the tracking store, so a restarted server, or another one
// over the same store, still shows them.
type PipelineRunRecord struct {
	ID         string         `json:"id"`
	PipelineID string         `json:"pipeline_id"`
	Workspace  string         `json:"workspace,omitempty"`
	Config     map[string]any `json:"config"`
	// Status is running, succeeded or failed; interrupted when the server
	// applying it stopped before the apply ended (it interrupted the
	// apply, or was killed).
	Status   string     `json:"status"`
	Error    string     `json:"error,omitempty"`
	Who      string     `json:"who"`
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	Output   []string   `json:"output"`
}

const (
	// heartbeat is how often the server applying a pipeline writes its
	// record (output so far, and that it is alive).
	heartbeat = 5 * time.Second
	// staleAfter is how long a running record may go unwritten before it
	// shows as interrupted.
	staleAfter = 12 * heartbeat
	// pipelineRunsShown is how many runs the list shows at most.
	pipelineRunsShown = 200
)

// liveRun is a pipeline run this server is applying.
type liveRun struct {
	mu  sync.Mutex
	rec tracking.PipelineRun
}

// pipelineRuns are the runs this server is applying, by ID.
type pipelineRuns struct {
	mu   sync.Mutex
	live map[string]*liveRun
	// wg counts the applies that have not recorded their end.
	wg sync.WaitGroup
	// applying ends when the server interrupts its applies.
	applying  context.Context
	interrupt context.CancelFunc
}

// interruptWait is how long an interrupted apply has to save what it did
// and release the state lock before the server stops without it.
const interruptWait = 30 * time.Second

// Drain waits for the pipeline applies this server started, as a
// stopping server does: for PipelineGrace, then it interrupts them (each
// stops as mltf apply does on Ctrl-C: no new step starts, running step
// runs go on and the next apply re-attaches to them, what finished is
// saved and the state lock released) and waits up to interruptWait more.
// Each run's record says how it ended. An error says runs were
// interrupted or are still going.
func (s *Server) Drain() error {
	p := &s.pipelines
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	n := p.count()
	if n == 0 {
		<-done // records being written
		return nil
	}
	s.opts.Log.Info("waiting for pipeline runs", "runs", n, "grace", s.opts.PipelineGrace.String())
	select {
	case <-done:
		return nil
	case <-time.After(s.opts.PipelineGrace):
	}
	n = p.count()
	s.opts.Log.Warn("interrupting pipeline runs", "runs", n, "grace", s.opts.PipelineGrace.String())
	p.interrupt()
	select {
	case <-done:
		return fmt.Errorf("%d pipeline run(s) still applying after %s were interrupted; what finished is in the state, and the next apply goes on from there", n, s.opts.PipelineGrace)
	case <-time.After(interruptWait):
	}
	return fmt.Errorf("%d pipeline run(s) did not stop within %s of their interruption; their state lock expires by itself", p.count(), interruptWait)
}

// count is how many runs this server is applying.
func (p *pipelineRuns) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.live)
}

func (p *pipelineRuns) get(id string) (tracking.PipelineRun, bool) {
	p.mu.Lock()
	lr := p.live[id]
	p.mu.Unlock()
	if lr == nil {
		return tracking.PipelineRun{}, false
	}
	lr.mu.Lock()
	defer lr.mu.Unlock()
	out := lr.rec
	out.Output = slices.Clone(lr.rec.Output)
	return out, true
}

func (p *pipelineRuns) add(lr *liveRun) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live == nil {
		p.live = map[string]*liveRun{}
	}
	p.live[lr.rec.ID] = lr
}

func (p *pipelineRuns) remove(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.live, id)
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// startPipeline is POST /api/v1/pipelines/runs with
// {"pipeline_id": "features", "config": {"window": 14}}: it records the
// run, answers 202 with its record at once and applies in the background;
// GET /api/v1/pipelines/runs/{id} follows it.
func (s *Server) startPipeline(w http.ResponseWriter, r *http.Request) {
	if s.opts.Pipelines == nil {
		writeError(w, http.StatusNotImplemented, "NOT_IMPLEMENTED", "this server runs no pipelines: it was started without a configuration to apply")
		return
	}
	var req struct {
		PipelineID string         `json:"pipeline_id"`
		Config     map[string]any `json:"config"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if !identifier.MatchString(req.PipelineID) {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf(`pipeline_id is the name of a pipeline block ("features" for pipeline "features" {}), not %q`, req.PipelineID))
		return
	}
	for k := range req.Config {
		if !identifier.MatchString(k) {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf("config holds variable values by name; %q is not a variable name", k))
			return
		}
	}
	if _, err := s.pipelineInstance(r.Context(), req.PipelineID); err != nil {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", err.Error())
		return
	}
	var id [8]byte
	rand.Read(id[:])
	now := time.Now().UTC().Truncate(time.Millisecond)
	lr := &liveRun{rec: tracking.PipelineRun{ID: hex.EncodeToString(id[:]), PipelineID: req.PipelineID, Workspace: s.opts.Workspace,
		Config: req.Config, Status: tracking.PipelineRunning, Who: api.CallerOf(r.Context()).Who(), Started: now, Updated: now}}
	if err := s.opts.Tracking.CreatePipelineRun(r.Context(), lr.rec); err != nil {
		writeStoreError(w, err)
		return
	}
	answer := pipelineRunOf(lr.rec)
	s.pipelines.wg.Add(1)
	s.pipelines.add(lr)
	s.opts.Log.Info("pipeline run", "id", lr.rec.ID, "pipeline", lr.rec.PipelineID, "who", lr.rec.Who)
	// The apply outlives the request; it ends when the server interrupts
	// it. Its record is written whatever happens.
	ctx := context.WithoutCancel(r.Context())
	applyCtx, cancel := context.WithCancel(ctx)
	stopCancel := context.AfterFunc(s.pipelines.applying, cancel)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		s.recordWhileRunning(ctx, lr, stop)
		close(stopped)
	}()
	go func() {
		defer s.pipelines.wg.Done()
		err := s.opts.Pipelines(applyCtx, PipelineRun{PipelineID: req.PipelineID, Variables: req.Config, Output: func(line string) {
			lr.mu.Lock()
			lr.rec.Output = append(lr.rec.Output, line)
			lr.mu.Unlock()
		}})
		interrupted := !stopCancel() // the server's interruption reached the apply
		cancel()
		close(stop)
		<-stopped // no heartbeat writes over the final record
		lr.mu.Lock()
		lr.rec.Finished, lr.rec.Status = time.Now().UTC(), tracking.PipelineSucceeded
		switch {
		case err != nil && interrupted:
			lr.rec.Status = tracking.PipelineInterrupted
			lr.rec.Error = fmt.Sprintf("mltf server stopped while it applied, and interrupted the apply after waiting %s: %s; what finished is in the state, running step runs go on, and the next apply re-attaches to them", s.opts.PipelineGrace, err)
		case err != nil:
			lr.rec.Status, lr.rec.Error = tracking.PipelineFailed, err.Error()
		}
		lr.mu.Unlock()
		s.writePipelineRun(ctx, lr)
		s.pipelines.remove(lr.rec.ID)
		s.opts.Log.Info("pipeline run finished", "id", lr.rec.ID, "status", lr.rec.Status)
	}()
	writeJSON(w, http.StatusAccepted, answer)
}

// recordWhileRunning writes the run's record every heartbeat until stop
// closes.
func (s *Server) recordWhileRunning(ctx context.Context, lr *liveRun, stop <-chan struct{}) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.writePipelineRun(ctx, lr)
		}
	}
}

// writePipelineRun writes the record of lr as it is now; a failure is
// logged, and the next write brings the record up to date.
func (s *Server) writePipelineRun(ctx context.Context, lr *liveRun) {
	lr.mu.Lock()
	lr.rec.Updated = time.Now().UTC()
	rec := lr.rec
	rec.Output = slices.Clone(lr.rec.Output)
	lr.mu.Unlock()
	if err := s.opts.Tracking.UpdatePipelineRun(ctx, rec); err != nil {
		s.opts.Log.Error("cannot record pipeline run", "id", rec.ID, "err", err)
	}
}

// pipelineRunOf is r as /api/v1 shows it: a running record nobody wrote
// for staleAfter is interrupted.
func pipelineRunOf(r tracking.PipelineRun) PipelineRunRecord {
	out := PipelineRunRecord{ID: r.ID, PipelineID: r.PipelineID, Workspace: r.Workspace, Config: r.Config, Status: r.Status,
		Error: r.Error, Who: r.Who, Started: r.Started, Output: r.Output}
	if out.Config == nil {
		out.Config = map[string]any{}
	}
	if out.Output == nil {
		out.Output = []string{}
	}
	if !r.Finished.IsZero() {
		out.Finished = &r.Finished
	}
	if r.Status == tracking.PipelineRunning && time.Since(r.Updated) > staleAfter {
		out.Status = "interrupted"
		out.Error = fmt.Sprintf("the server applying it stopped before the apply ended (last heard of at %s); the state lock it held expires by itself, and what was applied is in the state", r.Updated.Format(time.RFC3339))
	}
	return out
}

// pipelineRun reads run id: this server's own while it applies it, else
// the tracking store's record.
func (s *Server) pipelineRun(ctx context.Context, id string) (tracking.PipelineRun, error) {
	if rec, ok := s.pipelines.get(id); ok {
		return rec, nil
	}
	return s.opts.Tracking.GetPipelineRun(ctx, id)
}

func (s *Server) getPipelineRun(w http.ResponseWriter, r *http.Request) {
	rec, err := s.pipelineRun(r.Context(), r.PathValue("id"))
	if err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, pipelineRunOf(rec))
}

// listPipelineRuns lists the pipeline runs of the tracking store, newest
// first (at most pipelineRunsShown), with their output; pipeline_id
// selects one pipeline's.
func (s *Server) listPipelineRuns(w http.ResponseWriter, r *http.Request) {
	recs, err := s.opts.Tracking.ListPipelineRuns(r.Context(), tracking.PipelineRunFilter{
		PipelineID: r.URL.Query().Get("pipeline_id"), Limit: pipelineRunsShown, Output: true,
	})
	if err != nil {
		writeStoreError(w, err)
		return
	}
	out := make([]PipelineRunRecord, 0, len(recs))
	for _, rec := range recs {
		if live, ok := s.pipelines.get(rec.ID); ok {
			rec = live
		}
		out = append(out, pipelineRunOf(rec))
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

// listPipelines lists the pipelines of the served workspace's state.
func (s *Server) listPipelines(w http.ResponseWriter, r *http.Request) {
	insts, err := s.instancesOf(r.Context(), "pipeline")
	if err != nil {
		writeStoreError(w, err)
		return
	}
	out := []map[string]any{}
	for _, in := range insts {
		out = append(out, map[string]any{"address": in.Address, "attributes": in.Values})
	}
	writeJSON(w, http.StatusOK, map[string]any{"workspace": s.opts.Workspace, "pipelines": out})
}

// pipelineInstance checks that the configuration's state knows pipeline
// id; a pipeline never applied is still runnable when the state has no
// record of it, so only a read failure is an error.
func (s *Server) pipelineInstance(ctx context.Context, id string) (*stateInstance, error) {
	insts, err := s.instancesOf(ctx, "pipeline")
	if err != nil {
		return nil, fmt.Errorf("cannot read the state: %w", err)
	}
	for _, in := range insts {
		if in.Address == "pipeline."+id {
			return &in, nil
		}
	}
	return nil, nil
}
