package validate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mltf/mltf/providers/data/source"
)

// TestSplitCSV reads a file with quoted line breaks and quotes whole and in
// pieces of a few hundred bytes: the results must not differ.
func TestSplitCSV(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,label,score,name,flag,ts\n")
	for i := 1; i <= 300; i++ {
		name := "bob"
		switch i % 7 {
		case 0:
			name = "\"multi\nline\"" // a quoted line break
		case 3:
			name = `"say ""hi"""`
		}
		label := i % 3
		if i%50 == 0 {
			label = 9
		}
		fmt.Fprintf(&b, "%d,%d,0.%d,%s,true,\n", i, label, i%10, name)
	}
	b.WriteString("7,1,0.5,bob,true,\n") // a duplicate id near the end
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	loc, _ := source.Resolve(dir, "/")
	src, err := loc.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := csvContract()
	c.Columns[3].Regex = "" // names hold quotes and line breaks
	run := func(split int64) *Result {
		res, err := Run(context.Background(), src, []Object{{Key: "a.csv", Size: int64(b.Len())}}, c, Options{Parallelism: 3, SplitSize: split})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	whole, pieces := run(-1), run(100)
	if whole.Rows != 301 || pieces.Rows != 301 {
		t.Errorf("rows: whole %d, in pieces %d; want 301", whole.Rows, pieces.Rows)
	}
	if diff := cmp.Diff(failures(whole), failures(pieces)); diff != "" {
		t.Errorf("failures (-whole +pieces):\n%s", diff)
	}
	want := []failure{
		{Check: CheckUnique, Column: "id", Rows: 1, Objects: 1, Example: "a.csv:344:7, as in line 8"},
		{Check: CheckValues, Column: "label", Rows: 6, Objects: 1, Example: "a.csv:58:9"},
	}
	if diff := cmp.Diff(want, failures(pieces)); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	for _, name := range []string{"id", "label", "score", "name"} {
		w, p := whole.Column(name).Summary, pieces.Column(name).Summary
		if diff := cmp.Diff(w, p, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Errorf("statistics of %s (-whole +pieces):\n%s", name, diff)
		}
	}
}
