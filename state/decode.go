package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Decode reads a JSON document written by Encode. Its errors say what is
// wrong with the document and what to do about it.
func Decode(b []byte) (*State, error) {
	var f fileState
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("the state is not a valid mltf state document: %s; "+
			"if the file was edited by hand, fix it or restore a previous version from the state history", describeJSONError(b, err))
	}
	if f.FormatVersion == nil {
		return nil, fmt.Errorf("the state has no format_version: it is not an mltf state document")
	}
	switch v := *f.FormatVersion; {
	case v > FormatVersion:
		by := "a newer version of mltf"
		if f.MltfVersion != "" {
			by = "mltf " + f.MltfVersion
		}
		return nil, fmt.Errorf("the state has format version %d, written by %s; this mltf reads format version %d: upgrade mltf to use this state", v, by, FormatVersion)
	case v < 1:
		return nil, fmt.Errorf("the state has format version %d, which no mltf writes: the document is damaged", v)
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("the state is not a valid mltf state document: %w", err)
	}
	s := &State{
		Serial:      f.Serial,
		Lineage:     f.Lineage,
		MltfVersion: f.MltfVersion,
		Resources:   make(map[string]*Resource, len(f.Resources)),
		Outputs:     make(map[string]*Output, len(f.Outputs)),
	}
	for _, fr := range f.Resources {
		r := &Resource{Addr: fr.Address, Kind: fr.Kind, Name: fr.Name, Provider: fr.Provider,
			Instances: make(map[string]*Instance, len(fr.Instances))}
		for _, fi := range fr.Instances {
			inst := decodeObject(fi.fileObject)
			for _, d := range fi.Deposed {
				if inst.Deposed == nil {
					inst.Deposed = map[string]*Instance{}
				}
				inst.Deposed[d.DeposedKey] = decodeObject(d.fileObject)
			}
			r.Instances[fi.IndexKey] = inst
		}
		s.Resources[fr.Address] = r
	}
	for name, fo := range f.Outputs {
		s.Outputs[name] = &Output{Value: compactJSON(fo.Value), Type: compactJSON(fo.Type), Sensitive: fo.Sensitive}
	}
	return s, nil
}

func decodeObject(o fileObject) *Instance {
	return &Instance{
		Status:        o.Status,
		SchemaVersion: o.SchemaVersion,
		Attributes:    compactJSON(o.Attributes),
		Private:       nilIfEmpty(o.Private),
		Dependencies:  nilIfEmpty(o.Dependencies),
		Sensitive:     DecodePaths(o.Sensitive),
	}
}

// check reports what makes f invalid, for both Encode and Decode.
func (f *fileState) check() error {
	if f.Lineage == "" {
		return errors.New("it has no lineage")
	}
	seen := make(map[string]bool, len(f.Resources))
	for i, r := range f.Resources {
		switch {
		case r.Address == "":
			return fmt.Errorf("resource %d has no address", i)
		case seen[r.Address]:
			return fmt.Errorf("resource %s appears twice", r.Address)
		case r.Kind == "" || r.Name == "":
			return fmt.Errorf("resource %s has no kind or no name", r.Address)
		}
		seen[r.Address] = true
		keys := make(map[string]bool, len(r.Instances))
		for _, inst := range r.Instances {
			addr := InstanceAddr(r.Address, inst.IndexKey)
			if err := CheckKey(inst.IndexKey); err != nil {
				return fmt.Errorf("resource %s: %w", r.Address, err)
			}
			if keys[inst.IndexKey] {
				return fmt.Errorf("instance %s appears twice", addr)
			}
			keys[inst.IndexKey] = true
			if !inst.Status.Valid() {
				return fmt.Errorf("instance %s has status %q; the status is one of %q, %q and %q", addr, inst.Status, Ready, Partial, Tainted)
			}
			if slices.Contains(inst.Dependencies, "") {
				return fmt.Errorf("instance %s has an empty dependency address", addr)
			}
			deposed := make(map[string]bool, len(inst.Deposed))
			for _, d := range inst.Deposed {
				if err := CheckDeposedKey(d.DeposedKey); err != nil {
					return fmt.Errorf("instance %s: %w", addr, err)
				}
				if deposed[d.DeposedKey] {
					return fmt.Errorf("instance %s has the deposed object %s twice", addr, d.DeposedKey)
				}
				deposed[d.DeposedKey] = true
				if !d.Status.Valid() {
					return fmt.Errorf("deposed object %s of %s has status %q; the status is one of %q, %q and %q", d.DeposedKey, addr, d.Status, Ready, Partial, Tainted)
				}
			}
		}
	}
	for name, o := range f.Outputs {
		if o == nil {
			return fmt.Errorf("output %q is null; an output has a value and a type", name)
		}
	}
	return nil
}

// describeJSONError names the line and column of a syntax error.
func describeJSONError(b []byte, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := position(b, syn.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		line, col := position(b, typ.Offset)
		return fmt.Sprintf("at line %d, column %d, field %s holds a JSON %s, which is not a valid %s", line, col, typ.Field, typ.Value, typ.Type)
	}
	return err.Error()
}

func position(b []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(b)))
	before := b[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, max(col, 1)
}

// compactJSON canonicalizes a raw value so that decoding an encoded state
// gives back the same bytes; JSON null becomes nil.
func compactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw // cannot happen: the decoder validated it
	}
	return buf.Bytes()
}

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}
