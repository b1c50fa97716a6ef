package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mltf/mltf/state"
)

// journalFormat is the version of journal objects this package writes.
const journalFormat = 1

// The JSON form of one journal object: the records one group commit
// wrote, in the order they were recorded.
type (
	journalObject struct {
		FormatVersion int             `json:"format_version"`
		Lineage       string          `json:"lineage"`
		BaseSerial    uint64          `json:"base_serial"`
		Seq           uint64          `json:"seq"`
		Records       []journalRecord `json:"records"`
	}
	journalRecord struct {
		Address  string           `json:"address"`
		Kind     string           `json:"kind"`
		Name     string           `json:"name"`
		Provider string           `json:"provider"`
		IndexKey string           `json:"index_key"`
		Instance *journalInstance `json:"instance"` // null: the instance was removed
	}
	journalInstance struct {
		Status        state.Status       `json:"status"`
		SchemaVersion int64              `json:"schema_version"`
		Attributes    json.RawMessage    `json:"attributes"`
		Private       []byte             `json:"private,omitempty"`
		Dependencies  []string           `json:"dependencies,omitempty"`
		Sensitive     [][]state.PathStep `json:"sensitive_attributes,omitempty"`
		// Deposed are the instance's deposed objects by deposed key.
		Deposed map[string]*journalInstance `json:"deposed,omitempty"`
	}
)

// toJournal is the journal form of inst, sharing no memory with it.
func toJournal(inst *state.Instance) *journalInstance {
	ji := &journalInstance{
		Status:        inst.Status,
		SchemaVersion: inst.SchemaVersion,
		Attributes:    append(json.RawMessage(nil), inst.Attributes...),
		Private:       append([]byte(nil), inst.Private...),
		Dependencies:  append([]string(nil), inst.Dependencies...),
		Sensitive:     state.EncodePaths(inst.Sensitive),
	}
	for k, d := range inst.Deposed {
		if ji.Deposed == nil {
			ji.Deposed = map[string]*journalInstance{}
		}
		ji.Deposed[k] = toJournal(d)
	}
	return ji
}

// instance is the state form of ji.
func (ji *journalInstance) instance() *state.Instance {
	inst := &state.Instance{
		Status:        ji.Status,
		SchemaVersion: ji.SchemaVersion,
		Attributes:    nullToNil(ji.Attributes),
		Private:       ji.Private,
		Dependencies:  ji.Dependencies,
		Sensitive:     state.DecodePaths(ji.Sensitive),
	}
	for k, d := range ji.Deposed {
		if inst.Deposed == nil {
			inst.Deposed = map[string]*state.Instance{}
		}
		inst.Deposed[k] = d.instance()
	}
	return inst
}

func encodeJournal(obj *journalObject) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (r *journalRecord) check() error {
	if r.Address == "" || r.Kind == "" || r.Name == "" {
		return errors.New("a record has no address, kind or name")
	}
	if err := state.CheckKey(r.IndexKey); err != nil {
		return err
	}
	if r.Instance != nil && !r.Instance.Status.Valid() {
		return fmt.Errorf("%s has status %q", state.InstanceAddr(r.Address, r.IndexKey), r.Instance.Status)
	}
	if r.Instance != nil {
		for k, d := range r.Instance.Deposed {
			if err := state.CheckDeposedKey(k); err != nil {
				return err
			}
			if d == nil || !d.Status.Valid() {
				return fmt.Errorf("%s has a deposed object %s without a valid status", state.InstanceAddr(r.Address, r.IndexKey), k)
			}
		}
	}
	return nil
}

// journalBases lists the journal objects of ws by base serial, each list
// sorted by sequence number.
func (s *Store) journalObjects(ctx context.Context, ws string, base uint64) ([]uint64, error) {
	prefix := journalBasePrefix(ws, base)
	objs, err := s.keys(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var seqs []uint64
	for _, obj := range objs {
		if seq, ok := numberedKey(obj.Key, prefix); ok {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	return seqs, nil
}

// replay applies the journal recorded on st's serial to st (nil: nothing
// stored, serial 0), in order. A journal object that does not decode (a
// torn write) or belongs to another lineage is skipped; the others are
// replayed. It returns the state (created when st is nil and there was
// something to replay) and the number of records applied.
func (s *Store) replay(ctx context.Context, ws string, st *state.State) (*state.State, int, error) {
	var base uint64
	if st != nil {
		base = st.Serial
	}
	seqs, err := s.journalObjects(ctx, ws, base)
	if err != nil {
		return nil, 0, err
	}
	applied := 0
	for _, seq := range seqs {
		b, err := s.get(ctx, JournalKey(ws, base, seq))
		if errors.Is(err, ErrNotFound) {
			continue // removed by a Write since the listing
		}
		if err != nil {
			return nil, 0, err
		}
		b, torn, err := s.unsealJournal(ctx, b, JournalKey(ws, base, seq))
		if err != nil {
			return nil, 0, err
		}
		if torn {
			continue
		}
		var obj journalObject
		if json.Unmarshal(b, &obj) != nil || obj.FormatVersion != journalFormat || obj.BaseSerial != base || obj.Lineage == "" {
			continue // torn or foreign: what it held was not acknowledged as durable
		}
		if st == nil {
			st = s.newState()
			st.Lineage = obj.Lineage
		}
		if obj.Lineage != st.Lineage {
			continue
		}
		for _, r := range obj.Records {
			if r.check() != nil {
				continue
			}
			var inst *state.Instance
			if r.Instance != nil {
				inst = r.Instance.instance()
			}
			st.SetInstance(r.Address, r.Kind, r.Name, r.Provider, r.IndexKey, inst)
			applied++
		}
	}
	return st, applied, nil
}

// removeJournals deletes the journal objects recorded on serials before
// serial.
func (s *Store) removeJournals(ctx context.Context, ws string, serial uint64) error {
	prefix := journalPrefix(ws)
	objs, err := s.keys(ctx, prefix)
	if err != nil {
		return err
	}
	var errs []error
	for _, obj := range objs {
		dir, _, _ := strings.Cut(strings.TrimPrefix(obj.Key, prefix), "/")
		if base, ok := numberedKey(dir+".json", ""); ok && base >= serial {
			continue
		}
		if err := s.bucket.Delete(ctx, obj.Key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func nullToNil(raw json.RawMessage) json.RawMessage {
	if string(raw) == "null" {
		return nil
	}
	return raw
}
