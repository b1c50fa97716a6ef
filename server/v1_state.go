package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mltf/mltf/state"
)

// readState reads the served workspace's state; nil without a state
// store.
func (s *Server) readState(ctx context.Context) (*state.State, error) {
	if s.opts.State == nil {
		return nil, nil
	}
	return s.opts.State.Read(ctx, s.opts.Workspace)
}

// stateInstance is one instance of the state, its attributes readable.
type stateInstance struct {
	Address    string
	Attributes json.RawMessage // cty JSON, as stored
	Values     map[string]any  // with dynamic values unwrapped
	Private    []byte
}

// instancesOf returns the instances of kind in the state, by address.
func (s *Server) instancesOf(ctx context.Context, kind string) ([]stateInstance, error) {
	st, err := s.readState(ctx)
	if err != nil || st == nil {
		return nil, err
	}
	var out []stateInstance
	for addr, r := range st.Resources {
		if r.Kind != kind {
			continue
		}
		for key, inst := range r.Instances {
			var m map[string]any
			if json.Unmarshal(inst.Attributes, &m) != nil {
				continue
			}
			for k, v := range m {
				m[k] = state.UnwrapDynamic(v)
			}
			out = append(out, stateInstance{Address: state.InstanceAddr(addr, key), Attributes: inst.Attributes, Values: m, Private: inst.Private})
		}
	}
	slices.SortFunc(out, func(a, b stateInstance) int { return strings.Compare(a.Address, b.Address) })
	return out, nil
}

// managedModel is the model block that manages a model, from the state.
type managedModel struct {
	Address     string
	Attributes  json.RawMessage
	Gates       []Gate
	GateResults json.RawMessage
}

// modelInstance finds the instance of the state whose model is name; nil
// when none manages it.
func (s *Server) modelInstance(ctx context.Context, name string) (*managedModel, error) {
	insts, err := s.instancesOf(ctx, "model")
	if err != nil {
		return nil, err
	}
	for _, in := range insts {
		if n, _ := in.Values["name"].(string); n != name {
			continue
		}
		m := &managedModel{Address: in.Address, Attributes: in.Attributes, Gates: []Gate{}}
		if gs, ok := in.Values["gate"].([]any); ok {
			for _, g := range gs {
				gm, _ := g.(map[string]any)
				cond, _ := gm["condition"].(map[string]any)
				msg, _ := gm["message"].(map[string]any)
				gate := Gate{}
				gate.Condition, _ = cond["source"].(string)
				gate.Message, _ = msg["source"].(string)
				if q, err := strconv.Unquote(gate.Message); err == nil && !strings.Contains(q, "${") {
					gate.Message = q // a plain string literal: show its text
				}
				if f, ok := cond["filename"].(string); ok {
					gate.Where = fmt.Sprintf("%s:%v", f, cond["line"])
				}
				m.Gates = append(m.Gates, gate)
			}
		}
		if gr, ok := in.Values["gate_results"]; ok && gr != nil {
			m.GateResults, _ = json.Marshal(gr)
		}
		return m, nil
	}
	return nil, nil
}

// Dataset is a dataset of the served workspace, as its last apply
// recorded it.
type Dataset struct {
	Address    string         `json:"address"`
	Attributes map[string]any `json:"attributes"`
	// Versions are the versions whose column statistics the data provider
	// keeps as drift baselines, newest first.
	Versions []DatasetVersion `json:"versions"`
}

// DatasetVersion is one recorded version of a dataset.
type DatasetVersion struct {
	Version     int64          `json:"version"`
	Fingerprint string         `json:"fingerprint"`
	Rows        int64          `json:"rows"`
	Applied     time.Time      `json:"applied"`
	Columns     map[string]any `json:"columns,omitempty"`
}

func (s *Server) datasets(ctx context.Context) ([]Dataset, error) {
	insts, err := s.instancesOf(ctx, "dataset")
	if err != nil {
		return nil, err
	}
	out := []Dataset{}
	for _, in := range insts {
		d := Dataset{Address: in.Address, Attributes: in.Values, Versions: []DatasetVersion{}}
		// The data provider's private state keeps recent versions'
		// statistics; read what it holds, ignore what it does not.
		var priv struct {
			Versions []DatasetVersion `json:"versions"`
		}
		if json.Unmarshal(in.Private, &priv) == nil {
			for i := len(priv.Versions) - 1; i >= 0; i-- {
				d.Versions = append(d.Versions, priv.Versions[i])
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request) {
	ds, err := s.datasets(r.Context())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"workspace": s.opts.Workspace, "datasets": ds})
}

func (s *Server) getDataset(w http.ResponseWriter, r *http.Request) {
	ds, err := s.datasets(r.Context())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	name := strings.TrimPrefix(r.PathValue("name"), "dataset.")
	for _, d := range ds {
		if d.Address == "dataset."+name || strings.TrimPrefix(d.Address, "dataset.") == name {
			writeJSON(w, http.StatusOK, d)
			return
		}
	}
	writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", fmt.Sprintf("no dataset %q in workspace %s's state", name, s.opts.Workspace))
}
