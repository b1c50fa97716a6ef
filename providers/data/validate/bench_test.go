package validate

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/mltf/mltf/providers/data/datagen"
	"github.com/mltf/mltf/providers/data/source"
)

// The validation benchmarks read datagen's transactions, the data of
// scripts/validate-bench/compare.sh, as CSV and as Parquet.
var (
	txRows   = flag.Int64("tx-rows", 1_000_000, "rows of the generated transactions of the validation benchmarks (6050000 for the 300 MB CSV of the side-by-side comparison)")
	benchDir = flag.String("data-dir", "", "keep the generated benchmark data in this directory (reused when it exists; compare.sh keeps its CSV in /tmp/mltf-validate-compare/data)")
)

// txContract checks the six columns of datagen's transactions: every
// value typed and non-null, amount >= 0, label in {0, 1}, country two
// capital letters; unique ids when unique is set.
func txContract(f Format, unique bool) *Contract {
	return &Contract{
		Format: f,
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

// txFile generates (or reuses) the transactions of -tx-rows rows in the
// format, named as compare.sh names its CSV.
func txFile(b *testing.B, f Format) string {
	dir := *benchDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "mltf-validate-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("transactions-%d.%s", *txRows, f))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	out, err := os.Create(path + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	switch f {
	case Parquet:
		err = datagen.WriteParquet(out, *txRows)
	case JSONL:
		err = datagen.WriteJSONL(out, *txRows)
	default:
		_, _, err = datagen.WriteCSV(out, 0, *txRows)
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchValidate runs the checks of the transactions without and with
// unique ids, and with unique ids under a 64 MiB budget, which spills to
// temporary files.
func benchValidate(b *testing.B, path string, f Format) {
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
					res, err := Run(context.Background(), src, []Object{obj}, txContract(f, bc.unique), Options{UniqueMemory: bc.budget})
					if err != nil || !res.OK() || res.Rows != *txRows {
						b.Fatalf("%v %+v rows %d", err, res.Failures, res.Rows)
					}
				}
			})
			report(b, *txRows, obj.Size)
		})
	}
}

// benchRead measures merely reading the file with read, which returns the
// rows it read.
func benchRead(b *testing.B, path string, read func(b *testing.B, f *os.File) int64) {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("read", func(b *testing.B) {
		benchSize = fi.Size()
		peak(b, func() {
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				n := read(b, f)
				f.Close()
				if n != *txRows {
					b.Fatalf("read %d rows, want %d", n, *txRows)
				}
			}
		})
		report(b, *txRows, fi.Size())
	})
}

// BenchmarkCSV validates the transactions CSV (read, all six columns
// checked and profiled; see benchValidate), against merely reading it with
// encoding/csv ("read"). It reports MB/s, CPU seconds and peak memory.
//
//	go test ./providers/data/validate -run '^$' -bench CSV -benchtime 3x -args -tx-rows 6050000
func BenchmarkCSV(b *testing.B) {
	path := txFile(b, CSV)
	benchRead(b, path, func(b *testing.B, f *os.File) int64 {
		r := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
		r.ReuseRecord = true
		n := int64(-1) // the header
		for {
			if _, err := r.Read(); err == io.EOF {
				return n
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
	})
	benchValidate(b, path, CSV)
}

// BenchmarkJSONL is BenchmarkCSV on the same rows as JSON lines; "read"
// decodes each line with encoding/json into a map of raw values, the
// decoding validation uses.
//
//	go test ./providers/data/validate -run '^$' -bench JSONL -benchtime 2x -args -tx-rows 6050000
func BenchmarkJSONL(b *testing.B) {
	path := txFile(b, JSONL)
	benchRead(b, path, func(b *testing.B, f *os.File) int64 {
		sc := bufio.NewScanner(bufio.NewReaderSize(f, 256<<10))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		m := map[string]json.RawMessage{}
		var n int64
		for sc.Scan() {
			clear(m)
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := sc.Err(); err != nil {
			b.Fatal(err)
		}
		return n
	})
	benchValidate(b, path, JSONL)
}

// BenchmarkParquet is BenchmarkCSV on the same rows as Parquet (Snappy,
// row groups of 1Mi rows); "read" reads every column with pqarrow's record
// reader, the reader validation uses.
func BenchmarkParquet(b *testing.B) {
	path := txFile(b, Parquet)
	benchRead(b, path, func(b *testing.B, f *os.File) int64 {
		pf, err := file.NewParquetReader(f)
		if err != nil {
			b.Fatal(err)
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: parquetBatchRows, Parallel: true}, memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		rr, err := fr.GetRecordReader(context.Background(), nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer rr.Release()
		var n int64
		for rr.Next() {
			n += rr.RecordBatch().NumRows()
		}
		return n
	})
	benchValidate(b, path, Parquet)
}

// peak samples the Go runtime's mapped memory and the process's resident
// set while running f, and reports their maxima.
func peak(b *testing.B, f func()) {
	debug.FreeOSMemory()
	cpu0 := cpuTime()
	defer func() {
		// CPU seconds per operation: on a shared machine the wall-clock
		// rates depend on the load, this does much less.
		cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
		b.ReportMetric(cpu, "cpu-s/op")
		if benchSize > 0 {
			b.ReportMetric(float64(benchSize)/1e6/cpu, "MB/cpu-s")
		}
	}()
	var maxGo, maxRSS atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := int64(sample[0].Value.Uint64() - sample[1].Value.Uint64()); v > maxGo.Load() {
				maxGo.Store(v)
			}
			if v := rss(); v > maxRSS.Load() {
				maxRSS.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(maxGo.Load())/1e6, "peak-go-MB")
	b.ReportMetric(float64(maxRSS.Load())/1e6, "peak-rss-MB")
}

// benchSize is the size of the file the running benchmark reads.
var benchSize int64

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rss is the resident set size from /proc/self/statm, 0 elsewhere.
func rss() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res int64
	fmt.Sscan(string(data), &size, &res)
	return res * int64(os.Getpagesize())
}

func openBench(b *testing.B, path string) (*source.Source, Object) {
	src := openSource(b, path)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return src, Object{Key: "", Size: fi.Size()}
}

func report(b *testing.B, rows, size int64) {
	b.SetBytes(size)
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(rows)/sec, "rows/s")
	b.ReportMetric(float64(size)/sec/1e6, "MB/s")
	b.ReportMetric(0, "ns/op")
}
