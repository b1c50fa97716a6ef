package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// record records every address of addrs as a ready instance and the
// removal of every address of removed.
func record(j *store.Journal, addrs, removed []string) {
	for _, addr := range addrs {
		j.Record(addr, "training", addr[len("training."):], "local", "", instance(addr+"-journal"))
	}
	for _, addr := range removed {
		j.Record(addr, "training", addr[len("training."):], "local", "", nil)
	}
}

func mustJournal(t *testing.T, s *store.Store, ws string, base *state.State) *store.Journal {
	t.Helper()
	j, err := s.Journal(ctx, ws, base)
	if err != nil {
		t.Fatalf("Journal: %v", err)
	}
	// An abandoned journal's writer stops with the test.
	t.Cleanup(func() { j.Close(context.Background()) })
	return j
}

func mustFlush(t *testing.T, j *store.Journal) {
	t.Helper()
	if err := j.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// journalKeys lists the journal objects in the bucket.
func journalKeys(t *testing.T, s *store.Store, ws string) []string {
	t.Helper()
	var keys []string
	it := s.Bucket().List(nil)
	for {
		obj, err := it.Next(ctx)
		if err != nil {
			break
		}
		if len(obj.Key) > len(ws)+9 && obj.Key[:len(ws)+9] == ws+"/journal/" {
			keys = append(keys, obj.Key)
		}
	}
	return keys
}

var journalTests = []test{
	{"a deposed object is replayed with its instance", func(t *testing.T, s *store.Store) {
		mustWrite(t, s, "default", withResources(state.New(), "training.keep"))
		base := mustRead(t, s, "default")
		j := mustJournal(t, s, "default", base)
		inst := instance("training.cbd-new")
		inst.Deposed = map[string]*state.Instance{"6f1c2e0a": instance("training.cbd-old")}
		j.Record("training.cbd", "training", "cbd", "local", "", inst)
		mustFlush(t, j)

		want := base.DeepCopy()
		want.SetInstance("training.cbd", "training", "cbd", "local", "", inst.DeepCopy())
		diffStates(t, want, mustRead(t, s, "default"))
	}},
	{"an abandoned journal is replayed", func(t *testing.T, s *store.Store) {
		mustWrite(t, s, "default", withResources(state.New(), "training.keep", "training.gone", "training.old"))
		base := mustRead(t, s, "default")
		j := mustJournal(t, s, "default", base)
		added := seq(50)
		record(j, added, []string{"training.gone"})
		record(j, []string{"training.old"}, nil) // replaces the stored instance
		mustFlush(t, j)
		// No Close, no Write: the apply was killed here.

		want := base.DeepCopy()
		for _, addr := range append(added, "training.old") {
			want.SetInstance(addr, "training", addr[len("training."):], "local", "", instance(addr+"-journal"))
		}
		want.SetInstance("training.gone", "", "", "", "", nil)
		got := mustRead(t, s, "default")
		diffStates(t, want, got)
		if got.Serial != 1 {
			t.Errorf("replayed state has serial %d, want the stored 1", got.Serial)
		}

		// The next apply writes the recovered state: the journal is
		// superseded and removed.
		mustWrite(t, s, "default", got)
		if keys := journalKeys(t, s, "default"); len(keys) != 0 {
			t.Errorf("journal objects left after Write: %v", keys)
		}
		want.Serial = 2
		diffStates(t, want, mustRead(t, s, "default"))
	}},
	{"a journal on an empty workspace keeps its lineage", func(t *testing.T, s *store.Store) {
		base := mustRead(t, s, "default")
		j := mustJournal(t, s, "default", base)
		record(j, []string{"training.a"}, nil)
		mustFlush(t, j)
		got := mustRead(t, s, "default")
		if got.Lineage != base.Lineage || got.Serial != 0 {
			t.Errorf("replayed onto nothing: lineage %s serial %d; want %s, 0", got.Lineage, got.Serial, base.Lineage)
		}
		if diff := cmp.Diff([]string{"training.a"}, addresses(got)); diff != "" {
			t.Errorf("resources (-want +got):\n%s", diff)
		}
		mustWrite(t, s, "default", got)
		if got.Serial != 1 {
			t.Errorf("serial %d after the first Write, want 1", got.Serial)
		}
	}},
	{"a torn journal object is skipped and the rest replayed", func(t *testing.T, s *store.Store) {
		mustWrite(t, s, "default", state.New())
		base := mustRead(t, s, "default")
		j := mustJournal(t, s, "default", base)
		record(j, []string{"training.before"}, nil)
		mustFlush(t, j)
		// A half-written object where the next one goes: the writer moves
		// past it.
		put(t, s, store.JournalKey("default", 1, 2), []byte(`{"format_version":1,"lineage":"`+base.Lineage+`","base_serial":1,"seq":2,"records":[{"address":"training.torn","ki`))
		record(j, []string{"training.after"}, nil)
		mustFlush(t, j)
		if diff := cmp.Diff([]string{"training.after", "training.before"}, addresses(mustRead(t, s, "default"))); diff != "" {
			t.Errorf("replayed resources (-want +got):\n%s", diff)
		}
	}},
	{"a second apply continues an abandoned journal", func(t *testing.T, s *store.Store) {
		mustWrite(t, s, "default", state.New())
		j1 := mustJournal(t, s, "default", mustRead(t, s, "default"))
		record(j1, []string{"training.a", "training.b"}, nil)
		mustFlush(t, j1)
		// The next apply reads the replayed state and journals on it.
		j2 := mustJournal(t, s, "default", mustRead(t, s, "default"))
		record(j2, []string{"training.c"}, []string{"training.a"})
		mustFlush(t, j2)
		if diff := cmp.Diff([]string{"training.b", "training.c"}, addresses(mustRead(t, s, "default"))); diff != "" {
			t.Errorf("replayed resources (-want +got):\n%s", diff)
		}
	}},
	{"a journal on an old serial is refused", func(t *testing.T, s *store.Store) {
		st := state.New()
		mustWrite(t, s, "default", st)
		old := st.DeepCopy()
		mustWrite(t, s, "default", st)
		_, err := s.Journal(ctx, "default", old)
		wantErr(t, err, "cannot journal on serial 1", "the stored state is at serial 2", "read the state again")
	}},
	{"records of one instance keep the last", func(t *testing.T, s *store.Store) {
		j := mustJournal(t, s, "default", mustRead(t, s, "default"))
		for _, v := range []string{"1", "2", "3"} {
			j.Record("training.t", "training", "t", "local", "0", instance(v))
		}
		j.Record("training.t", "training", "t", "local", `"x"`, instance("x"))
		j.Record("training.t", "training", "t", "local", `"x"`, nil)
		mustFlush(t, j)
		got := mustRead(t, s, "default")
		if diff := cmp.Diff(instance("3"), got.Instance("training.t", "0")); diff != "" {
			t.Errorf("training.t[0] (-want +got):\n%s", diff)
		}
		if got.Instance("training.t", `"x"`) != nil {
			t.Errorf(`training.t["x"] was removed last but is in the state`)
		}
	}},
	{"an invalid record is reported by Flush", func(t *testing.T, s *store.Store) {
		j := mustJournal(t, s, "default", mustRead(t, s, "default"))
		j.Record("training.t", "training", "t", "local", "", &state.Instance{Status: "done"})
		j.Record("training.u", "training", "u", "local", "", instance("u"))
		wantErr(t, j.Flush(ctx), "journal: cannot record training.t", `status "done"`)
		if diff := cmp.Diff([]string{"training.u"}, addresses(mustRead(t, s, "default"))); diff != "" {
			t.Errorf("replayed resources (-want +got):\n%s", diff)
		}
	}},
	{"close flushes", func(t *testing.T, s *store.Store) {
		j, err := s.Journal(ctx, "default", mustRead(t, s, "default"))
		if err != nil {
			t.Fatal(err)
		}
		record(j, seq(20), nil)
		if err := j.Close(ctx); err != nil {
			t.Fatal(err)
		}
		record(j, []string{"training.late"}, nil) // ignored after Close
		if got := len(mustRead(t, s, "default").Resources); got != 20 {
			t.Errorf("%d resources replayed, want 20", got)
		}
		if st := j.Stats(); st.Records != 20 || st.Objects == 0 || st.Bytes == 0 {
			t.Errorf("Stats = %+v, want 20 records in at least one object", st)
		}
	}},
}
