package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// The JSON form of the state document. These types are the encoded form
// only; State is the in-memory one.
type (
	fileState struct {
		FormatVersion *int                   `json:"format_version"`
		MltfVersion   string                 `json:"mltf_version"`
		Serial        uint64                 `json:"serial"`
		Lineage       string                 `json:"lineage"`
		Resources     []fileResource         `json:"resources"`
		Outputs       map[string]*fileOutput `json:"outputs"`
	}
	fileResource struct {
		Address   string         `json:"address"`
		Kind      string         `json:"kind"`
		Name      string         `json:"name"`
		Provider  string         `json:"provider"`
		Instances []fileInstance `json:"instances"`
	}
	fileInstance struct {
		IndexKey      string          `json:"index_key"`
		Status        Status          `json:"status"`
		SchemaVersion int64           `json:"schema_version"`
		Attributes    json.RawMessage `json:"attributes"`
		Private       []byte          `json:"private,omitempty"`
		Dependencies  []string        `json:"dependencies"`
		Sensitive     [][]PathStep    `json:"sensitive_attributes,omitempty"`
	}
	fileOutput struct {
		Value     json.RawMessage `json:"value"`
		Type      json.RawMessage `json:"type"`
		Sensitive bool            `json:"sensitive"`
	}
)

// Encode returns the JSON document of s, resources sorted by address and
// instances by key so that two versions diff line by line. It fails when s
// holds something Decode would refuse.
func Encode(s *State) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("cannot encode a nil state")
	}
	if s.Lineage == "" {
		return nil, fmt.Errorf("cannot encode a state without a lineage: create states with state.New")
	}
	v := FormatVersion
	f := fileState{
		FormatVersion: &v,
		MltfVersion:   s.MltfVersion,
		Serial:        s.Serial,
		Lineage:       s.Lineage,
		Resources:     []fileResource{},
		Outputs:       map[string]*fileOutput{},
	}
	for _, addr := range slices.Sorted(maps.Keys(s.Resources)) {
		r := s.Resources[addr]
		if r == nil {
			return nil, fmt.Errorf("cannot encode resource %s: it is nil", addr)
		}
		if addr != r.Addr {
			return nil, fmt.Errorf("cannot encode resource %s: it is stored under the address %s", r.Addr, addr)
		}
		fr := fileResource{Address: addr, Kind: r.Kind, Name: r.Name, Provider: r.Provider, Instances: []fileInstance{}}
		for _, key := range slices.SortedFunc(maps.Keys(r.Instances), compareKeys) {
			inst := r.Instances[key]
			if inst == nil {
				return nil, fmt.Errorf("cannot encode %s: the instance is nil", InstanceAddr(addr, key))
			}
			if len(inst.Attributes) > 0 && !json.Valid(inst.Attributes) {
				return nil, fmt.Errorf("cannot encode %s: its attributes are not valid JSON", InstanceAddr(addr, key))
			}
			fr.Instances = append(fr.Instances, fileInstance{
				IndexKey:      key,
				Status:        inst.Status,
				SchemaVersion: inst.SchemaVersion,
				Attributes:    inst.Attributes,
				Private:       inst.Private,
				Dependencies:  orEmpty(inst.Dependencies),
				Sensitive:     EncodePaths(inst.Sensitive),
			})
		}
		f.Resources = append(f.Resources, fr)
	}
	for name, o := range s.Outputs {
		if o == nil {
			return nil, fmt.Errorf("cannot encode output %q: it is nil", name)
		}
		if (len(o.Value) > 0 && !json.Valid(o.Value)) || (len(o.Type) > 0 && !json.Valid(o.Type)) {
			return nil, fmt.Errorf("cannot encode output %q: its value or type is not valid JSON", name)
		}
		f.Outputs[name] = &fileOutput{Value: o.Value, Type: o.Type, Sensitive: o.Sensitive}
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("cannot encode the state: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("cannot encode the state: %w", err)
	}
	return buf.Bytes(), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
