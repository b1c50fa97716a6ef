package validate

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mltf/mltf/providers/data/datagen"
)

var txRows = flag.Int64("tx-rows", 1_000_000, "rows of the generated transactions CSV of BenchmarkTransactions (6050000 for the issue's 300 MB file)")

// txContract checks the six columns of datagen's transactions: every
// value typed and non-null, amount >= 0, label in {0, 1}, country two
// capital letters; unique ids when unique is set.
func txContract(unique bool) *Contract {
	return &Contract{
		Format: CSV,
		Schema: true,
		Columns: []Column{
			{Name: "id", Type: Int64, Unique: unique},
			{Name: "amount", Type: Float64, Min: f64(0)},
			{Name: "label", Type: Int64, Values: []string{"0", "1"}},
			{Name: "country", Type: String, Regex: `^[A-Z]{2}$`},
			{Name: "score", Type: Float64},
			{Name: "ts", Type: Timestamp},
		},
	}
}

// txFile generates (or reuses) the transactions CSV of -tx-rows rows.
func txFile(b *testing.B) string {
	dir := *benchDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "mltf-validate-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("transactions-%d.csv", *txRows))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := datagen.WriteCSV(f, 0, *txRows); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkTransactions validates datagen's transactions CSV (-tx-rows
// rows): all six columns checked and profiled, without and with unique
// ids, and with unique ids under a 64 MiB budget, which spills to
// temporary files. It reports MB/s, CPU seconds and peak memory.
//
//	go test -run '^$' -bench Transactions -benchtime 3x -tx-rows 6050000 ./providers/data/validate
func BenchmarkTransactions(b *testing.B) {
	path := txFile(b)
	src, obj := openBench(b, path)
	for _, bc := range []struct {
		name   string
		unique bool
		budget int64
	}{
		{"checks", false, 0},
		{"unique", true, 0},
		{"unique-64MiB", true, 64 << 20},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchSize = obj.Size
			peak(b, func() {
				for b.Loop() {
					res, err := Run(context.Background(), src, []Object{obj}, txContract(bc.unique), Options{UniqueMemory: bc.budget})
					if err != nil || !res.OK() || res.Rows != *txRows {
						b.Fatalf("%v %+v rows %d", err, res.Failures, res.Rows)
					}
				}
			})
			report(b, *txRows, obj.Size)
		})
	}
}
