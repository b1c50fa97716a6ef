package runflow

import (
	"encoding/json"

	"github.com/mltf/mltf/kinds/training"
)

// Private is what the flow keeps beside a run's value in state. Its JSON
// is an object of the flow's fields and, beside them, the fields of the
// backend's locator (Where): the form states already hold.
type Private struct {
	Inputs *training.Inputs  `json:"inputs,omitempty"`
	Code   training.Manifest `json:"code,omitempty"`
	// Reuse names a finished run with the same fingerprint that apply
	// adopts instead of training.
	Reuse string `json:"reuse,omitempty"`
	// Adopted says the run was reused: destroying the resource must not
	// touch that run.
	Adopted bool `json:"adopted,omitempty"`
	// GitCommit and GitDirty are the working directory's git state when
	// the run was launched, for its record in the tracking store.
	GitCommit string `json:"git_commit,omitempty"`
	GitDirty  bool   `json:"git_dirty,omitempty"`
	// TrackedParams are the params as the tracking store records them:
	// sensitive values hidden.
	TrackedParams json.RawMessage `json:"tracked_params,omitempty"`
	// Where is the backend's locator of the run, a JSON object.
	Where json.RawMessage `json:"-"`
}

var flowKeys = []string{"inputs", "code", "reuse", "adopted", "git_commit", "git_dirty", "tracked_params"}

// DecodePrivate reads private data; empty or invalid data is the zero
// value.
func DecodePrivate(b []byte) Private {
	var p Private
	if len(b) == 0 || json.Unmarshal(b, &p) != nil {
		return Private{}
	}
	var all map[string]json.RawMessage
	if json.Unmarshal(b, &all) == nil {
		for _, k := range flowKeys {
			delete(all, k)
		}
		if len(all) > 0 {
			p.Where, _ = json.Marshal(all)
		}
	}
	return p
}

// Encode is the JSON of p.
func (p Private) Encode() []byte {
	b, _ := json.Marshal(p)
	if len(p.Where) == 0 {
		return b
	}
	var all, where map[string]json.RawMessage
	json.Unmarshal(b, &all)
	if json.Unmarshal(p.Where, &where) != nil {
		return b
	}
	for k, v := range where {
		if _, ok := all[k]; !ok {
			all[k] = v
		}
	}
	b, _ = json.Marshal(all)
	return b
}

// setWhere keeps a gang's locator.
func (p *Private) setWhere(where any) {
	if where == nil {
		return
	}
	if b, err := json.Marshal(where); err == nil && string(b) != "null" {
		p.Where = b
	}
}
