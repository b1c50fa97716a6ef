package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/mltf/mltf/server/api"
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

// pipelineRun is the record of one POST /api/v1/pipelines/runs.
type pipelineRun struct {
	mu         sync.Mutex
	ID         string         `json:"id"`
	PipelineID string         `json:"pipeline_id"`
	Config     map[string]any `json:"config"`
	Status     string         `json:"status"` // running, succeeded, failed
	Error      string         `json:"error,omitempty"`
	Who        string         `json:"who"`
	Started    time.Time      `json:"started"`
	Finished   *time.Time     `json:"finished,omitempty"`
	Output     []string       `json:"output"`
}

// pipelineRuns keeps the runs this server started, newest last; at most
// maxPipelineRuns.
type pipelineRuns struct {
	mu   sync.Mutex
	runs []*pipelineRun
}

const maxPipelineRuns = 200

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// startPipeline is POST /api/v1/pipelines/runs with
// {"pipeline_id": "features", "config": {"window": 14}}: it answers 202
// with the run's record at once and applies in the background; GET
// /api/v1/pipelines/runs/{id} follows it.
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
	run := &pipelineRun{ID: hex.EncodeToString(id[:]), PipelineID: req.PipelineID, Config: req.Config, Status: "running",
		Who: api.CallerOf(r.Context()).Who(), Started: time.Now().UTC(), Output: []string{}}
	s.pipelines.mu.Lock()
	s.pipelines.runs = append(s.pipelines.runs, run)
	if len(s.pipelines.runs) > maxPipelineRuns {
		s.pipelines.runs = s.pipelines.runs[1:]
	}
	s.pipelines.mu.Unlock()
	s.opts.Log.Info("pipeline run", "id", run.ID, "pipeline", run.PipelineID, "who", run.Who)
	go func() {
		err := s.opts.Pipelines(context.WithoutCancel(r.Context()), PipelineRun{PipelineID: req.PipelineID, Variables: req.Config, Output: func(line string) {
			run.mu.Lock()
			run.Output = append(run.Output, line)
			run.mu.Unlock()
		}})
		now := time.Now().UTC()
		run.mu.Lock()
		run.Finished, run.Status = &now, "succeeded"
		if err != nil {
			run.Status, run.Error = "failed", err.Error()
		}
		run.mu.Unlock()
		s.opts.Log.Info("pipeline run finished", "id", run.ID, "status", run.Status)
	}()
	writeJSON(w, http.StatusAccepted, run.snapshot())
}

func (p *pipelineRun) snapshot() pipelineRun {
	p.mu.Lock()
	defer p.mu.Unlock()
	return pipelineRun{ID: p.ID, PipelineID: p.PipelineID, Config: p.Config, Status: p.Status, Error: p.Error, Who: p.Who,
		Started: p.Started, Finished: p.Finished, Output: append([]string{}, p.Output...)}
}

func (s *Server) getPipelineRun(w http.ResponseWriter, r *http.Request) {
	s.pipelines.mu.Lock()
	defer s.pipelines.mu.Unlock()
	for _, run := range s.pipelines.runs {
		if run.ID == r.PathValue("id") {
			writeJSON(w, http.StatusOK, run.snapshot())
			return
		}
	}
	writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "no pipeline run "+r.PathValue("id")+" on this server (runs are kept in memory while it runs)")
}

func (s *Server) listPipelineRuns(w http.ResponseWriter, r *http.Request) {
	s.pipelines.mu.Lock()
	out := make([]pipelineRun, 0, len(s.pipelines.runs))
	for i := len(s.pipelines.runs) - 1; i >= 0; i-- {
		out = append(out, s.pipelines.runs[i].snapshot())
	}
	s.pipelines.mu.Unlock()
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
