package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// Run runs the suite; newStore returns an empty store, closed by the
// caller's cleanup or by Run.
func Run(t *testing.T, newStore func(t *testing.T) *store.Store) {
	open := func(t *testing.T) *store.Store {
		t.Helper()
		s := newStore(t)
		t.Cleanup(func() { s.Close() })
		return s
	}
	groups := []struct {
		name  string
		tests []test
	}{
		{"ReadWrite", readWriteTests},
		{"Workspaces", workspaceTests},
		{"Lock", lockTests},
		{"Journal", journalTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tt := range g.tests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
			}
		})
	}
}

type test struct {
	name string
	run  func(t *testing.T, s *store.Store)
}

var ctx = context.Background()

// withResources returns a state with one instance per address.
func withResources(st *state.State, addrs ...string) *state.State {
	for _, addr := range addrs {
		kind, name, _ := strings.Cut(addr, ".")
		st.SetInstance(addr, kind, name, "local", "", instance(addr))
	}
	return st
}

func instance(v string) *state.Instance {
	attrs, _ := json.Marshal(map[string]string{"id": v})
	return &state.Instance{Status: state.Ready, Attributes: attrs}
}

func mustWrite(t *testing.T, s *store.Store, ws string, st *state.State) {
	t.Helper()
	if err := s.Write(ctx, ws, st); err != nil {
		t.Fatalf("Write(%s): %v", ws, err)
	}
}

func mustRead(t *testing.T, s *store.Store, ws string) *state.State {
	t.Helper()
	st, err := s.Read(ctx, ws)
	if err != nil {
		t.Fatalf("Read(%s): %v", ws, err)
	}
	return st
}

// wantErr fails unless err is non-nil and contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error:\n  %v\nwant it to contain:\n  %s", err, p)
		}
	}
}

func addresses(st *state.State) []string { return st.Addresses() }

func diffStates(t *testing.T, want, got *state.State) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
}

func put(t *testing.T, s *store.Store, key string, data []byte) {
	t.Helper()
	if err := s.Bucket().WriteAll(ctx, key, data, nil); err != nil {
		t.Fatal(err)
	}
}

func encode(t *testing.T, st *state.State) []byte {
	t.Helper()
	b, err := state.Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func notFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func seq(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("training.t%03d", i)
	}
	return out
}
