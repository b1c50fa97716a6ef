package validate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/mltf/mltf/providers/data/source"
	"github.com/mltf/mltf/providers/data/stats"
)

// validateFiles writes files under a temporary prefix and validates them.
func validateFiles(t testing.TB, files map[string][]byte, c *Contract) *Result {
	t.Helper()
	dir := t.TempDir()
	var objs []Object
	for name, data := range files {
		p := filepath.Join(dir, "data", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, Object{Key: name, Size: int64(len(data))})
	}
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return validateDir(t, filepath.Join(dir, "data"), objs, c)
}

// openFile writes one object under a temporary prefix and opens the
// prefix; it is closed when the test ends.
func openFile(t testing.TB, name string, data []byte) (*source.Source, Object) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return openSource(t, dir), Object{Key: name, Size: int64(len(data))}
}

// openSource opens the source at path (a prefix or one object), closed
// when the test ends.
func openSource(t testing.TB, path string) *source.Source {
	t.Helper()
	loc, err := source.Resolve(path, "/")
	if err != nil {
		t.Fatal(err)
	}
	src, err := loc.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func validateDir(t testing.TB, dir string, objs []Object, c *Contract) *Result {
	t.Helper()
	src := openSource(t, dir)
	// Small batches exercise the merging of several workers' results.
	res, err := Run(context.Background(), src, objs, c, Options{Parallelism: 3, BatchRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// failure is the part of a Failure the tests compare.
type failure struct {
	Check   Check
	Column  string
	Rows    int64
	Objects int
	Example string // the first example: "object:line:value" or "object:row:value"
}

func failures(r *Result) []failure {
	var fs []failure
	for _, f := range r.Failures {
		x := failure{Check: f.Check, Column: f.Column, Rows: f.Rows, Objects: f.ObjectCount}
		if len(f.Examples) > 0 {
			e := f.Examples[0]
			n := e.Line
			if n == 0 {
				n = e.Row
			}
			x.Example = fmt.Sprintf("%s:%d:%s", e.Object, n, e.Value)
		}
		fs = append(fs, x)
	}
	return fs
}

func f64(x float64) *float64 { return &x }
func i64(x int64) *int64     { return &x }

// parquetFile writes columns (name → []any of int64, float64, string, bool,
// time.Time or nil) as one Parquet file with the given Arrow types.
func parquetFile(t testing.TB, fields []arrow.Field, rows [][]any) []byte {
	t.Helper()
	sc := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for _, row := range rows {
		for i, v := range row {
			fb := b.Field(i)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int64Builder:
				fb.Append(v.(int64))
			case *array.Int32Builder:
				fb.Append(int32(v.(int64)))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.BooleanBuilder:
				fb.Append(v.(bool))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
			default:
				t.Fatalf("no builder for %T", fb)
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf strings.Builder
	w, err := pqarrow.NewFileWriter(sc, &buf, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(3)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return []byte(buf.String())
}

func fmtTop(top []stats.ValueCount) string {
	var parts []string
	for _, vc := range top {
		parts = append(parts, fmt.Sprintf("{%s %d}", vc.Value, vc.Count))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func fmtSummary(c ColumnResult) string {
	s := c.Summary
	out := fmt.Sprintf("%s count %d+%d", s.Type, s.Count, s.Nulls)
	if s.Min != nil {
		out += fmt.Sprintf(" min %.5g max %.11g mean %.7g sd %.4g p50 %.8g", *s.Min, *s.Max, *s.Mean, *s.Stddev, s.Quantiles["p50"])
	}
	if len(s.Top) > 0 {
		out += " top " + fmtTop(s.Top)
	}
	return out
}
