package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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
		IndexKey string `json:"index_key"`
		fileObject
		Deposed []fileDeposed `json:"deposed,omitempty"`
	}
	// fileObject is an instance's current object, or a deposed one.
	fileObject struct {
		Status        Status          `json:"status"`
		SchemaVersion int64           `json:"schema_version"`
		Attributes    json.RawMessage `json:"attributes"`
		Private       []byte          `json:"private,omitempty"`
		Dependencies  []string        `json:"dependencies"`
		Sensitive     [][]PathStep    `json:"sensitive_attributes,omitempty"`
	}
	fileDeposed struct {
		DeposedKey string `json:"deposed_key"`
		fileObject
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
	f, err := toFile(s)
	if err != nil {
		return nil, err
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

// Digest returns a hash (hex SHA-256) of what s holds: its resources, their
// instances with their deposed objects, and its outputs. Its serial, its
// lineage and the mltf version that wrote it do not count, so two reads of
// one version of a workspace have the same digest, and so do two fresh
// states; a journal replayed onto a version changes it. It fails when s
// holds something Encode would refuse.
func (s *State) Digest() (string, error) {
	if s == nil {
		return "", fmt.Errorf("cannot digest a nil state")
	}
	f, err := toFile(s)
	if err != nil {
		return "", err
	}
	f.FormatVersion, f.MltfVersion, f.Serial, f.Lineage = nil, "", 0, ""
	b, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("cannot digest the state: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// toFile returns the encoded form of s, resources sorted by address,
// instances by key and deposed objects by deposed key.
func toFile(s *State) (*fileState, error) {
	v := FormatVersion
	f := &fileState{
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
			fi := fileInstance{IndexKey: key, fileObject: encodeObject(inst)}
			for _, dk := range slices.Sorted(maps.Keys(inst.Deposed)) {
				d := inst.Deposed[dk]
				if d == nil {
					return nil, fmt.Errorf("cannot encode %s: its deposed object %s is nil", InstanceAddr(addr, key), dk)
				}
				fi.Deposed = append(fi.Deposed, fileDeposed{DeposedKey: dk, fileObject: encodeObject(d)})
			}
			for _, o := range append([]fileObject{fi.fileObject}, deposedObjects(fi.Deposed)...) {
				if len(o.Attributes) > 0 && !json.Valid(o.Attributes) {
					return nil, fmt.Errorf("cannot encode %s: its attributes are not valid JSON", InstanceAddr(addr, key))
				}
			}
			fr.Instances = append(fr.Instances, fi)
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
	return f, nil
}

func encodeObject(inst *Instance) fileObject {
	return fileObject{
		Status:        inst.Status,
		SchemaVersion: inst.SchemaVersion,
		Attributes:    inst.Attributes,
		Private:       inst.Private,
		Dependencies:  orEmpty(inst.Dependencies),
		Sensitive:     EncodePaths(inst.Sensitive),
	}
}

func deposedObjects(ds []fileDeposed) []fileObject {
	out := make([]fileObject, len(ds))
	for i, d := range ds {
		out[i] = d.fileObject
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
