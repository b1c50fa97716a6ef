package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/mltf/mltf/kinds/sweep"
)

// Sweep is a sweep of the served workspace, from its state: the study and
// a summary of its trials.
type Sweep struct {
	Address       string `json:"address"`
	Study         string `json:"study"`
	Metric        string `json:"metric"`
	Goal          string `json:"goal"`
	Sampler       string `json:"sampler"`
	Seed          uint64 `json:"seed"`
	EarlyStopping string `json:"early_stopping,omitempty"`
	// Params describe the searched space: "lr log_uniform [0.0001, 0.3]".
	Params []string `json:"params"`
	// TrialsAsked is how many trials the configuration asks for.
	TrialsAsked int `json:"trials_asked"`
	Complete    int `json:"complete"`
	Pruned      int `json:"pruned"`
	Failed      int `json:"failed"`
	Running     int `json:"running"`
	// Best is the complete trial with the best objective; nil before one.
	Best *Trial `json:"best,omitempty"`
}

// Trial is one trial of a sweep.
type Trial struct {
	Number int    `json:"number"`
	State  string `json:"state"` // running, complete, pruned, failed
	// Value is the objective of a complete trial, the last intermediate
	// value of a pruned one.
	Value  any               `json:"value,omitempty"`
	Params map[string]string `json:"params"` // as JSON text, by name
	RunID  string            `json:"run_id,omitempty"`
	// Points are the intermediate objective values the trial reported, by
	// step (what early stopping compares).
	Points  [][2]any       `json:"points"`
	Metrics map[string]any `json:"metrics,omitempty"`
	Reused  bool           `json:"reused,omitempty"`
	Detail  string         `json:"detail,omitempty"`
}

// SweepDetail is a sweep with its trials, best first.
type SweepDetail struct {
	Sweep
	ParamNames []string `json:"param_names"`
	Trials     []Trial  `json:"trials"`
}

func (s *Server) sweeps(ctx context.Context) ([]SweepDetail, error) {
	insts, err := s.instancesOf(ctx, "sweep")
	if err != nil {
		return nil, err
	}
	out := []SweepDetail{}
	for _, in := range insts {
		p, err := sweep.DecodePrivate(in.Private)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in.Address, err)
		}
		out = append(out, sweepOf(in.Address, p))
	}
	return out, nil
}

func sweepOf(addr string, p sweep.Private) SweepDetail {
	sum := sweep.Summarize(p.Records, p.GoalOf())
	d := SweepDetail{
		Sweep: Sweep{Address: addr, Study: p.Spec.ID(), Metric: p.Metric, Goal: p.Goal, Sampler: p.Spec.Sampler, Seed: p.Spec.Seed,
			EarlyStopping: p.Spec.EarlyStopping, Params: p.Spec.Params, TrialsAsked: p.Trials,
			Complete: sum.Done, Pruned: sum.Pruned, Failed: sum.Failed, Running: sum.Running},
		ParamNames: p.Params, Trials: []Trial{},
	}
	if d.Params == nil {
		d.Params = []string{}
	}
	if d.ParamNames == nil {
		d.ParamNames = []string{}
	}
	for _, r := range p.Ranked() {
		t := Trial{Number: r.Number, State: r.State, Params: map[string]string{}, RunID: r.RunID, Points: [][2]any{}, Reused: r.Reused, Detail: r.Detail}
		if r.Value != nil {
			t.Value = Number(*r.Value)
		}
		for k, name := range p.Params {
			t.Params[name] = p.Param(r, k)
		}
		for _, pt := range r.Points {
			t.Points = append(t.Points, [2]any{pt.Step, Number(pt.Value)})
		}
		if len(r.Metrics) > 0 {
			t.Metrics = map[string]any{}
			for k, v := range r.Metrics {
				t.Metrics[k] = Number(v)
			}
		}
		d.Trials = append(d.Trials, t)
		if sum.Best != nil && r.Number == sum.Best.Number {
			best := t
			d.Best = &best
		}
	}
	return d
}

func (s *Server) listSweeps(w http.ResponseWriter, r *http.Request) {
	all, err := s.sweeps(r.Context())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	out := make([]Sweep, 0, len(all))
	for _, d := range all {
		out = append(out, d.Sweep)
	}
	writeJSON(w, http.StatusOK, map[string]any{"workspace": s.opts.Workspace, "sweeps": out})
}

func (s *Server) getSweep(w http.ResponseWriter, r *http.Request) {
	all, err := s.sweeps(r.Context())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	name := strings.TrimPrefix(r.PathValue("name"), "sweep.")
	for _, d := range all {
		if strings.TrimPrefix(d.Address, "sweep.") == name {
			writeJSON(w, http.StatusOK, d)
			return
		}
	}
	writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", fmt.Sprintf("no sweep %q in workspace %s's state", name, s.opts.Workspace))
}
