package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mltf/mltf/state"
)

// Version is one stored version of a workspace's state.
type Version struct {
	Serial  uint64
	Written time.Time
	Size    int64
}

// Read returns the current state of ws, with the records of an apply that
// stopped before writing its state (its journal) replayed onto it; a fresh
// state.New() when ws has none.
func (s *Store) Read(ctx context.Context, ws string) (*state.State, error) {
	if err := CheckWorkspace(ws); err != nil {
		return nil, err
	}
	st, _, err := s.readCurrent(ctx, ws)
	if err != nil {
		return nil, err
	}
	st, _, err = s.replay(ctx, ws, st)
	if err != nil {
		return nil, err
	}
	if st == nil {
		st = s.newState()
	}
	return st, nil
}

// readCurrent returns the newest version of ws, or nil. It is the current
// object unless a Write stopped between writing a history version and
// replacing the current object: then the newer history version is. stale
// is true when it was read through the encryption's fallback.
func (s *Store) readCurrent(ctx context.Context, ws string) (st *state.State, stale bool, err error) {
	b, err := s.get(ctx, StateKey(ws))
	switch {
	case err == nil:
		if st, stale, err = s.decode(ctx, b, StateKey(ws), ws); err != nil {
			return nil, false, err
		}
	case !errors.Is(err, ErrNotFound):
		return nil, false, err
	}
	for {
		var serial uint64
		if st != nil {
			serial = st.Serial
		}
		next := HistoryKey(ws, serial+1)
		ok, err := s.bucket.Exists(ctx, next)
		if err != nil {
			return nil, false, fmt.Errorf("cannot read %s: %w", s.where(next), err)
		}
		if !ok {
			return st, stale, nil
		}
		b, err := s.get(ctx, next)
		if err != nil {
			return nil, false, err
		}
		if st, stale, err = s.decode(ctx, b, next, ws); err != nil {
			return nil, false, err
		}
	}
}

// decode decrypts and decodes the state object read from key; stale is
// true when it was read through the encryption's fallback.
func (s *Store) decode(ctx context.Context, b []byte, key, ws string) (st *state.State, stale bool, err error) {
	b, current, err := s.unseal(ctx, b, key)
	if err != nil {
		return nil, false, fmt.Errorf("cannot read the state of workspace %q: %w", ws, err)
	}
	st, err = state.Decode(b)
	if err != nil {
		return nil, false, fmt.Errorf("cannot read the state of workspace %q from %s: %w", ws, s.where(key), err)
	}
	return st, !current, nil
}

func (s *Store) newState() *state.State {
	st := state.New()
	st.MltfVersion = s.cfg.version
	return st
}

// Write stores st as the next version of ws: it sets st.Serial to the
// stored serial + 1, writes the immutable history copy of that serial, then
// replaces the current version, and removes the journal the new version
// supersedes. A state of another lineage is refused, unless ws has no state
// yet; an empty lineage takes the stored one.
//
// Write does not lock: callers hold the lock of ws (Lock) around
// Read-modify-Write.
func (s *Store) Write(ctx context.Context, ws string, st *state.State) error {
	if err := CheckWorkspace(ws); err != nil {
		return err
	}
	if st == nil {
		return errors.New("cannot write a nil state")
	}
	cur, stale, err := s.readCurrent(ctx, ws)
	if err != nil {
		return err
	}
	lineage := st.Lineage
	var stored uint64
	if cur != nil {
		stored = cur.Serial
		if lineage != "" && lineage != cur.Lineage {
			return fmt.Errorf("cannot write the state of workspace %q: its lineage %s differs from the stored state's lineage %s, "+
				"so it is the state of another configuration or workspace; check the state URL and workspace, "+
				"or delete the workspace first to replace its state", ws, lineage, cur.Lineage)
		}
		lineage = cur.Lineage
	}
	if lineage == "" {
		lineage = uuid.NewString()
	}
	out := *st
	out.Serial = max(stored, st.Serial) + 1
	out.Lineage = lineage
	if s.cfg.version != "" {
		out.MltfVersion = s.cfg.version
	}
	b, err := state.Encode(&out)
	if err == nil {
		b, err = s.seal(ctx, b)
	}
	if err != nil {
		return fmt.Errorf("cannot write the state of workspace %q: %w", ws, err)
	}
	created, err := s.create(ctx, HistoryKey(ws, out.Serial), b)
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("cannot write serial %d of workspace %q: another run wrote it at the same time; "+
			"take the state lock around changes, read the state again and retry", out.Serial, ws)
	}
	if err := s.put(ctx, StateKey(ws), b); err != nil {
		return err
	}
	st.Serial, st.Lineage, st.MltfVersion = out.Serial, out.Lineage, out.MltfVersion
	// The journal of older serials is never replayed again; a failure to
	// remove it leaves garbage that the next Write retries.
	_ = s.removeJournals(ctx, ws, out.Serial)
	if stale {
		// The key was rotated: the older versions go under the new key
		// too, so that the old one can be dropped.
		if _, err := s.reencrypt(ctx, ws); err != nil {
			return fmt.Errorf("wrote serial %d of workspace %q, but could not encrypt its history again under the new key (the next write retries): %w", out.Serial, ws, err)
		}
	}
	return nil
}

// History returns the stored versions of ws, oldest first.
func (s *Store) History(ctx context.Context, ws string) ([]Version, error) {
	if err := CheckWorkspace(ws); err != nil {
		return nil, err
	}
	objs, err := s.keys(ctx, historyPrefix(ws))
	if err != nil {
		return nil, err
	}
	var out []Version
	for _, obj := range objs {
		if serial, ok := numberedKey(obj.Key, historyPrefix(ws)); ok {
			out = append(out, Version{Serial: serial, Written: obj.ModTime, Size: obj.Size})
		}
	}
	slices.SortFunc(out, func(a, b Version) int { return cmpUint(a.Serial, b.Serial) })
	return out, nil
}

// ReadVersion returns version serial of ws from its history.
func (s *Store) ReadVersion(ctx context.Context, ws string, serial uint64) (*state.State, error) {
	if err := CheckWorkspace(ws); err != nil {
		return nil, err
	}
	key := HistoryKey(ws, serial)
	b, err := s.get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		versions, herr := s.History(ctx, ws)
		if herr != nil {
			return nil, herr
		}
		return nil, fmt.Errorf("workspace %q has no state version %d (%s): %w", ws, serial, describeVersions(versions), ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	st, _, err := s.decode(ctx, b, key, ws)
	return st, err
}

func describeVersions(vs []Version) string {
	switch len(vs) {
	case 0:
		return "it has no versions yet"
	case 1:
		return fmt.Sprintf("its only version is %d", vs[0].Serial)
	}
	if vs[len(vs)-1].Serial-vs[0].Serial+1 == uint64(len(vs)) {
		return fmt.Sprintf("its versions are %d to %d", vs[0].Serial, vs[len(vs)-1].Serial)
	}
	var parts []string
	for _, v := range firstVersions(vs, 10) {
		parts = append(parts, fmt.Sprint(v.Serial))
	}
	if len(vs) > 10 {
		parts = append(parts, "...")
	}
	return "its versions are " + strings.Join(parts, ", ")
}

func firstVersions(vs []Version, n int) []Version { return vs[:min(n, len(vs))] }

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
