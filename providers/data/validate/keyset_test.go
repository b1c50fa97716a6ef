package validate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/providers/data/datagen"
	"github.com/mltf/mltf/providers/data/source"
)

// dups collects what a key set reports, as "key first again".
type dups struct{ got []string }

func (d *dups) fn(e entry, _ int, first uint64) {
	d.got = append(d.got, fmt.Sprintf("%d %d %d", e.key, min(first, e.loc), max(first, e.loc)))
}

// keySetDups adds keys (row i+1 holds keys[i]) to a set with the given
// budget in batches and returns the duplicates and whether it spilled.
func keySetDups(t *testing.T, keys []uint64, limit int64, logged bool) ([]string, bool) {
	t.Helper()
	b := &budget{limit: limit, dir: t.TempDir()}
	s := newKeySet(b, logged)
	var d dups
	var kb keyBatch
	for i, k := range keys {
		kb.es = append(kb.es, entry{k, packLoc(0, int64(i+1))})
		if len(kb.es) == 100 {
			s.add(&kb, d.fn)
		}
	}
	s.add(&kb, d.fn)
	spilled := s.spilled.Load()
	if err := s.finish(d.fn); err != nil {
		t.Fatal(err)
	}
	if used := b.used.Load(); used != 0 {
		t.Errorf("%d bytes of the budget still reserved after finish", used)
	}
	if entries, _ := os.ReadDir(b.dir); len(entries) > 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	slices.Sort(d.got)
	return d.got, spilled
}

// TestKeySetBudget checks the same keys in memory, spilled to one level of
// partitions, and with a budget so small that the partitions are split
// again: the duplicates found are the same.
func TestKeySetBudget(t *testing.T) {
	const n = 100_000
	keys := make([]uint64, n)
	var want []string
	for i := range keys {
		keys[i] = uint64(i) * 7919
		if i%1000 == 999 {
			// A repeat of the key of row i-500, in another batch.
			keys[i] = keys[i-500]
			want = append(want, fmt.Sprintf("%d %d %d", keys[i], i-500+1, i+1))
		}
	}
	keys[n-1] = keys[0] // the last row repeats the first
	want[len(want)-1] = fmt.Sprintf("%d %d %d", keys[0], 1, n)
	slices.Sort(want)
	for _, tc := range []struct {
		name    string
		limit   int64
		spilled bool
	}{
		{"in memory", 64 << 20, false},
		{"spilled", 200 << 10, true},
		// 16 KiB holds neither a partition's entries nor a table of its
		// distinct keys: every spilled partition is split again.
		{"split again", 16 << 10, true},
	} {
		for _, logged := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/logged=%v", tc.name, logged), func(t *testing.T) {
				got, spilled := keySetDups(t, keys, tc.limit, logged)
				if spilled != tc.spilled {
					t.Errorf("spilled = %v, want %v", spilled, tc.spilled)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("duplicates (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestKeySetManyRepeats spills a set whose keys repeat a few values many
// times: the distinct keys fit however many rows repeat them.
func TestKeySetManyRepeats(t *testing.T) {
	keys := make([]uint64, 5000)
	for i := range keys {
		keys[i] = uint64(i % 3)
	}
	for _, logged := range []bool{false, true} {
		got, _ := keySetDups(t, keys, 8<<10, logged)
		if len(got) != len(keys)-3 {
			t.Errorf("logged %v: %d duplicates, want %d", logged, len(got), len(keys)-3)
		}
	}
}

// TestUniqueBudget validates the same objects of a prefix with the default
// budget and with one far smaller than the key set: duplicates within and
// across objects and spilled partitions are reported the same, with their
// values and rows.
func TestUniqueBudget(t *testing.T) {
	dir := t.TempDir()
	var objs []Object
	for o := range 3 {
		var b strings.Builder
		b.WriteString("id,name,ts\n")
		for i := range 4000 {
			id := o*4000 + i
			name := fmt.Sprintf("n%d", id)
			switch {
			case o == 2 && i == 3999:
				id, name = 17, "n17" // repeats row 18 of a.csv
			case o == 1 && i%1000 == 500:
				id, name = id-1, fmt.Sprintf("n%d", id-1) // repeats the row above
			}
			fmt.Fprintf(&b, "%d,%s,2024-01-01T00:00:%02dZ\n", id, name, id%60)
		}
		name := string(rune('a'+o)) + ".csv"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, Object{Key: name, Size: int64(b.Len())})
	}
	loc, _ := source.Resolve(dir, "/")
	src, err := loc.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c := &Contract{Format: CSV, Schema: true, Columns: []Column{
		{Name: "id", Type: Int64, Unique: true},
		{Name: "name", Type: String, Unique: true},
		{Name: "ts", Type: Timestamp},
	}}
	run := func(limit int64) []Failure {
		tmp := t.TempDir()
		res, err := Run(context.Background(), src, objs, c, Options{Parallelism: 2, BatchRows: 64, UniqueMemory: limit, TempDir: tmp})
		if err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("temporary files left behind: %v", left)
		}
		return res.Failures
	}
	inMemory, spilled := run(0), run(64<<10)
	want := []Failure{
		{
			Check: CheckUnique, Column: "id", Rows: 5,
			Message: "5 of 12000 rows repeat the value of an earlier row, and the column is unique",
			Objects: []string{"b.csv", "c.csv"}, ObjectCount: 2,
			Examples: []Example{
				{Object: "b.csv", Row: 502, Line: 502, Value: "4499, as in line 501"},
				{Object: "b.csv", Row: 1502, Line: 1502, Value: "5499, as in line 1501"},
				{Object: "b.csv", Row: 2502, Line: 2502, Value: "6499, as in line 2501"},
			},
		},
		{
			Check: CheckUnique, Column: "name", Rows: 5,
			Message: "5 of 12000 rows repeat the value of an earlier row, and the column is unique",
			Objects: []string{"b.csv", "c.csv"}, ObjectCount: 2,
			Examples: []Example{
				{Object: "b.csv", Row: 502, Line: 502, Value: `"n4499", as in line 501`},
				{Object: "b.csv", Row: 1502, Line: 1502, Value: `"n5499", as in line 1501`},
				{Object: "b.csv", Row: 2502, Line: 2502, Value: `"n6499", as in line 2501`},
			},
		},
	}
	if diff := cmp.Diff(want, inMemory); diff != "" {
		t.Errorf("in memory (-want +got):\n%s", diff)
	}
	// Spilled string keys are hashes: their examples name the earlier row
	// instead of repeating the value.
	for i := range want[1].Examples {
		x := &want[1].Examples[i]
		x.Value = "the value of" + x.Value[strings.Index(x.Value, ", as in")+len(", as in"):]
	}
	if diff := cmp.Diff(want, spilled); diff != "" {
		t.Errorf("spilled (-want +got):\n%s", diff)
	}
}

// BenchmarkKeySet adds the 6,050,000 distinct ids of the transactions
// file in batches of 4096, as the workers do, to a set of tables sized for
// them from the start as a run sizes them ("tables"), and to a set of logs
// ("logs"); ns/key and cpu-ns/key are per key, finish included.
func BenchmarkKeySet(b *testing.B) {
	const n = 6_050_000
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(datagen.At(int64(i)).ID)
	}
	for _, logged := range []bool{false, true} {
		name := map[bool]string{false: "tables", true: "logs"}[logged]
		b.Run(name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				bg := &budget{limit: DefaultUniqueMemory, dir: b.TempDir()}
				s := newKeySet(bg, logged)
				bg.expect(n)
				var kb keyBatch
				for i := range n {
					kb.es = append(kb.es, entry{ids[i], packLoc(0, int64(i+1))})
					if len(kb.es) == 4096 {
						s.add(&kb, nil)
					}
				}
				s.add(&kb, nil)
				if err := s.finish(func(entry, int, uint64) { b.Fatal("a duplicate") }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/key")
		})
	}
}

// TestKeySetRowsPastSlots checks that rows past what a compact location
// holds are not lost: the set spills and finish says what is wrong.
func TestKeySetRowsPastSlots(t *testing.T) {
	for _, logged := range []bool{false, true} {
		b := &budget{limit: 64 << 20, dir: t.TempDir(), objBits: 30} // rows below 4
		s := newKeySet(b, logged)
		var kb keyBatch
		for i := range 10 {
			kb.es = append(kb.es, entry{uint64(i), packLoc(0, int64(i+1))})
		}
		s.add(&kb, func(entry, int, uint64) {})
		if !s.spilled.Load() {
			t.Fatalf("logged %v: the set did not spill", logged)
		}
		err := s.finish(func(entry, int, uint64) {})
		if err == nil || !strings.Contains(err.Error(), "past the 3 rows per object") {
			t.Errorf("logged %v: finish: %v", logged, err)
		}
	}
}

// TestKeySetNoRoomAtFinish fills a logged set's budget with its logs: at
// finish there is no room to group a partition's entries in memory, and
// they go through temporary files, with the same duplicates found.
func TestKeySetNoRoomAtFinish(t *testing.T) {
	b := &budget{limit: 64 << 20, dir: t.TempDir()}
	s := newKeySet(b, true)
	var d dups
	var kb keyBatch
	var want []string
	for i := range 50_000 {
		k := uint64(i) * 7919
		if i%5000 == 4999 {
			k = uint64(i-3000) * 7919
			want = append(want, fmt.Sprintf("%d %d %d", k, i-3000+1, i+1))
		}
		kb.es = append(kb.es, entry{k, packLoc(0, int64(i+1))})
		if len(kb.es) == 1000 {
			s.add(&kb, d.fn)
		}
	}
	if s.spilled.Load() {
		t.Fatal("the set spilled")
	}
	b.limit = b.used.Load()
	if err := s.finish(d.fn); err != nil {
		t.Fatal(err)
	}
	if used := b.used.Load(); used != 0 {
		t.Errorf("%d bytes of the budget still reserved after finish", used)
	}
	slices.Sort(want)
	slices.Sort(d.got)
	if diff := cmp.Diff(want, d.got); diff != "" {
		t.Errorf("duplicates (-want +got):\n%s", diff)
	}
}
