package validate

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/mltf/mltf/providers/data/source"
)

var (
	benchMB  = flag.Int("csv-mb", 32, "size of the generated CSV of the validation benchmarks, in MB (1000 for the issue's 1 GB figure)")
	benchDir = flag.String("data-dir", "", "keep the generated benchmark data in this directory (reused when it exists)")
)

var benchCategories = []string{"red", "green", "blue", "cyan", "magenta", "yellow", "black", "white"}

// benchContract checks every column of the generated data: types, nulls,
// ranges and categories, and computes statistics of all six.
func benchContract(f Format) *Contract {
	return &Contract{
		Format: f,
		Schema: true,
		Columns: []Column{
			{Name: "id", Type: Int64, Min: f64(0)},
			{Name: "x", Type: Float64, Min: f64(0), Max: f64(1)},
			{Name: "y", Type: Float64, Nullable: true},
			{Name: "category", Type: String, Values: benchCategories},
			{Name: "flag", Type: Bool},
			{Name: "ts", Type: Timestamp},
		},
	}
}

type benchRow struct {
	id       int64
	x, y     float64
	yNull    bool
	category string
	flag     bool
	ts       time.Time
}

// benchRows generates rows deterministically.
func benchRows(yield func(benchRow) bool) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var s uint64 = 42
	for i := int64(0); ; i++ {
		s = s*6364136223846793005 + 1442695040888963407
		u := float64(s>>11) / (1 << 53)
		r := benchRow{
			id:       i,
			x:        math.Round(u*1e6) / 1e6,
			y:        math.Round((u*u*200-50)*1e3) / 1e3,
			yNull:    s%97 == 0,
			category: benchCategories[(s>>20)%8],
			flag:     s&1 == 0,
			ts:       base.Add(time.Duration(i) * time.Second),
		}
		if !yield(r) {
			return
		}
	}
}

func benchFiles(b *testing.B) (csvPath, parquetPath string, rows int64) {
	dir := *benchDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "mltf-validate-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	csvPath = filepath.Join(dir, fmt.Sprintf("data-%dMB.csv", *benchMB))
	parquetPath = filepath.Join(dir, fmt.Sprintf("data-%dMB.parquet", *benchMB))
	rowsPath := csvPath + ".rows"
	if data, err := os.ReadFile(rowsPath); err == nil {
		if n, err := strconv.ParseInt(string(data), 10, 64); err == nil {
			return csvPath, parquetPath, n
		}
	}
	rows = writeBenchCSV(b, csvPath, int64(*benchMB)*1e6)
	writeBenchParquet(b, parquetPath, rows)
	if err := os.WriteFile(rowsPath, []byte(strconv.FormatInt(rows, 10)), 0o644); err != nil {
		b.Fatal(err)
	}
	return csvPath, parquetPath, rows
}

func writeBenchCSV(b *testing.B, path string, size int64) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	header := "id,x,y,category,flag,ts\n"
	w.WriteString(header)
	written, rows := int64(len(header)), int64(0)
	var line []byte
	benchRows(func(r benchRow) bool {
		line = strconv.AppendInt(line[:0], r.id, 10)
		line = append(line, ',')
		line = strconv.AppendFloat(line, r.x, 'f', -1, 64)
		line = append(line, ',')
		if !r.yNull {
			line = strconv.AppendFloat(line, r.y, 'f', -1, 64)
		}
		line = append(line, ',')
		line = append(line, r.category...)
		line = append(line, ',')
		line = strconv.AppendBool(line, r.flag)
		line = append(line, ',')
		line = r.ts.AppendFormat(line, time.RFC3339)
		line = append(line, '\n')
		w.Write(line)
		written += int64(len(line))
		rows++
		return written < size
	})
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return rows
}

func writeBenchParquet(b *testing.B, path string, rows int64) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "category", Type: arrow.BinaryTypes.String},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}},
	}, nil)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1<<20))
	w, err := pqarrow.NewFileWriter(sc, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	bld := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer bld.Release()
	flush := func() {
		rec := bld.NewRecordBatch()
		defer rec.Release()
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	var n int64
	benchRows(func(r benchRow) bool {
		if n == rows {
			return false
		}
		bld.Field(0).(*array.Int64Builder).Append(r.id)
		bld.Field(1).(*array.Float64Builder).Append(r.x)
		if r.yNull {
			bld.Field(2).AppendNull()
		} else {
			bld.Field(2).(*array.Float64Builder).Append(r.y)
		}
		bld.Field(3).(*array.StringBuilder).Append(r.category)
		bld.Field(4).(*array.BooleanBuilder).Append(r.flag)
		bld.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(r.ts.Unix()))
		n++
		if n%(1<<20) == 0 {
			flush()
		}
		return true
	})
	if n%(1<<20) != 0 {
		flush()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
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

// BenchmarkCSV measures validation (read, checks and statistics of six
// columns) of a generated CSV of -csv-mb MB, against merely reading it with
// the same reader (encoding/csv).
func BenchmarkCSV(b *testing.B) {
	path, _, rows := benchFiles(b)
	src, obj := openBench(b, path)
	benchSize = obj.Size
	b.Run("read", func(b *testing.B) {
		peak(b, func() {
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				r := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
				r.ReuseRecord = true
				for {
					if _, err := r.Read(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
				f.Close()
			}
		})
		report(b, rows, obj.Size)
	})
	b.Run("validate", func(b *testing.B) {
		peak(b, func() {
			for b.Loop() {
				res, err := Run(context.Background(), src, []Object{obj}, benchContract(CSV), Options{})
				if err != nil || !res.OK() || res.Rows != rows {
					b.Fatalf("%v %+v rows %d", err, res.Failures, res.Rows)
				}
			}
		})
		report(b, rows, obj.Size)
	})
}

// BenchmarkParquet is BenchmarkCSV on the same rows as Parquet (Snappy,
// row groups of 1Mi rows); "read" reads every column with pqarrow's record
// reader, the reader validation uses.
func BenchmarkParquet(b *testing.B) {
	_, path, rows := benchFiles(b)
	src, obj := openBench(b, path)
	benchSize = obj.Size
	b.Run("read", func(b *testing.B) {
		peak(b, func() {
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				pf, err := file.NewParquetReader(f)
				if err != nil {
					b.Fatal(err)
				}
				fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: parquetBatchRows, Parallel: true}, memory.DefaultAllocator)
				if err != nil {
					b.Fatal(err)
				}
				rr, err := fr.GetRecordReader(context.Background(), nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				var n int64
				for rr.Next() {
					n += rr.RecordBatch().NumRows()
				}
				rr.Release()
				pf.Close()
				if n != rows {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
			}
		})
		report(b, rows, obj.Size)
	})
	b.Run("validate", func(b *testing.B) {
		peak(b, func() {
			for b.Loop() {
				res, err := Run(context.Background(), src, []Object{obj}, benchContract(Parquet), Options{})
				if err != nil || !res.OK() || res.Rows != rows {
					b.Fatalf("%v %+v rows %d", err, res.Failures, res.Rows)
				}
			}
		})
		report(b, rows, obj.Size)
	})
}
