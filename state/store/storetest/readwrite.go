package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

var readWriteTests = []test{
	{"empty store reads a new state", func(t *testing.T, s *store.Store) {
		st := mustRead(t, s, "default")
		if st.Serial != 0 || st.Lineage == "" || !st.Empty() {
			t.Errorf("Read of an empty store = serial %d, lineage %q, %d resources; want serial 0, a lineage, nothing", st.Serial, st.Lineage, len(st.Resources))
		}
		if h, err := s.History(ctx, "default"); err != nil || len(h) != 0 {
			t.Errorf("History = %v, %v; want none", h, err)
		}
	}},
	{"serial increments and lineage stays", func(t *testing.T, s *store.Store) {
		st := mustRead(t, s, "default")
		lineage := st.Lineage
		for i := uint64(1); i <= 3; i++ {
			withResources(st, seq(int(i))...)
			mustWrite(t, s, "default", st)
			if st.Serial != i || st.Lineage != lineage {
				t.Fatalf("after write %d: serial %d lineage %s; want %d, %s", i, st.Serial, st.Lineage, i, lineage)
			}
		}
		diffStates(t, st, mustRead(t, s, "default"))
	}},
	{"history keeps every version", func(t *testing.T, s *store.Store) {
		st := state.New()
		var written []*state.State
		for i := range 3 {
			withResources(st, seq(i+1)...)
			mustWrite(t, s, "default", st)
			written = append(written, st.DeepCopy())
		}
		h, err := s.History(ctx, "default")
		if err != nil {
			t.Fatal(err)
		}
		var serials []uint64
		for _, v := range h {
			serials = append(serials, v.Serial)
			if v.Size <= 0 || v.Written.IsZero() {
				t.Errorf("version %d: size %d, written %v; want both set", v.Serial, v.Size, v.Written)
			}
		}
		if diff := cmp.Diff([]uint64{1, 2, 3}, serials); diff != "" {
			t.Errorf("History serials (-want +got):\n%s", diff)
		}
		for _, w := range written {
			got, err := s.ReadVersion(ctx, "default", w.Serial)
			if err != nil {
				t.Fatal(err)
			}
			diffStates(t, w, got)
		}
		_, err = s.ReadVersion(ctx, "default", 9)
		wantErr(t, err, "no state version 9", "versions are 1 to 3")
		if !notFound(err) {
			t.Errorf("ReadVersion(9) error does not wrap ErrNotFound")
		}
	}},
	{"a state of another lineage is refused", func(t *testing.T, s *store.Store) {
		first := withResources(state.New(), "experiment.e")
		mustWrite(t, s, "default", first)
		other := state.New()
		err := s.Write(ctx, "default", other)
		wantErr(t, err, "lineage "+other.Lineage+" differs from the stored state's lineage "+first.Lineage)
		if other.Serial != 0 {
			t.Errorf("a refused Write changed the serial to %d", other.Serial)
		}
		if got := mustRead(t, s, "default"); got.Serial != 1 {
			t.Errorf("a refused Write stored serial %d", got.Serial)
		}
	}},
	{"an empty lineage takes the stored one", func(t *testing.T, s *store.Store) {
		first := state.New()
		mustWrite(t, s, "default", first)
		st := &state.State{}
		mustWrite(t, s, "default", st)
		if st.Lineage != first.Lineage || st.Serial != 2 {
			t.Errorf("got lineage %s serial %d, want %s serial 2", st.Lineage, st.Serial, first.Lineage)
		}
	}},
	{"a write interrupted before replacing the current version is recovered", func(t *testing.T, s *store.Store) {
		st := withResources(state.New(), "experiment.e")
		mustWrite(t, s, "default", st)
		next := withResources(st.DeepCopy(), "training.t")
		next.Serial = 2
		put(t, s, store.HistoryKey("default", 2), encode(t, next))
		diffStates(t, next, mustRead(t, s, "default"))
		mustWrite(t, s, "default", next)
		if next.Serial != 3 {
			t.Errorf("Write after recovery: serial %d, want 3", next.Serial)
		}
	}},
	{"a damaged state says where it is", func(t *testing.T, s *store.Store) {
		put(t, s, store.StateKey("default"), []byte("{\"format_version\": 1,\n oops"))
		_, err := s.Read(ctx, "default")
		wantErr(t, err, `cannot read the state of workspace "default" from`, "default/state.json", "invalid JSON at line 2")
	}},
	{"a state from a newer mltf is refused", func(t *testing.T, s *store.Store) {
		put(t, s, store.StateKey("default"), []byte(`{"format_version": 9, "mltf_version": "3.0.0", "lineage": "l"}`))
		_, err := s.Read(ctx, "default")
		wantErr(t, err, "written by mltf 3.0.0", "upgrade mltf")
	}},
}
