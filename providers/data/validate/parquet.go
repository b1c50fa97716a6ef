package validate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// parquetBatchRows is the number of rows in an Arrow record read from
// Parquet. Arrow's decoding allocates every record's buffers anew, and the
// Go heap holds about twice the records in flight between collections:
// records of 8Ki rows instead of 32Ki took the peak memory of the 6.05 M
// rows of the benchmarks from 154 to 116 MB of Go heap with all checks, at
// no measurable cost in CPU (typed columns make even 8Ki rows cheap).
const parquetBatchRows = 8 << 10

// arrowBatch is one Arrow record of a Parquet object.
type arrowBatch struct {
	where
	rec  arrow.RecordBatch
	cols []colPos
}

func (b *arrowBatch) process(w *worker) {
	defer b.rec.Release()
	for _, c := range b.cols {
		w.acc(c.def).arrowColumn(b.rec.Column(c.pos), &b.where)
	}
	w.flushKeys()
}

// natural is the schema type that holds values of an Arrow type.
func natural(dt arrow.DataType) (Type, bool) {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return Int64, true
	case arrow.FLOAT32, arrow.FLOAT64:
		return Float64, true
	case arrow.STRING, arrow.LARGE_STRING:
		return String, true
	case arrow.BOOL:
		return Bool, true
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return Timestamp, true
	}
	return 0, false
}

// holds says whether a column declared as t can be read from a file column
// of type n: the same type, or integers for a float64 column.
func holds(t, n Type) bool {
	return t == n || (t == Float64 && n == Int64)
}

// parquetBufSize is how much of a column chunk a Parquet reader holds at
// once: column chunks are streamed, not read whole, so that the memory of
// a reader does not follow the size of its row group (256 KiB per column
// and reader; 1 MiB was 10 MB of the Go heap with two readers).
const parquetBufSize = 256 << 10

// readParquet reads an object's row groups in parallel (up to the run's
// parallelism; one at a time with unique columns), each with its own reader over the file's metadata read
// once, and hands their records to the workers.
func (r *run) readParquet(obj int32, o Object) {
	ra, err := r.src.NewReaderAt(r.ctx, o.Key, o.Size)
	if err != nil {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be opened: %v", err))
		return
	}
	defer ra.Close()
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled, props.BufferSize = true, parquetBufSize
	pf, err := file.NewParquetReader(ra, file.WithReadProps(props))
	if err != nil {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("is not a readable Parquet file (truncated, or not Parquet: check format): %v", err))
		return
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: parquetBatchRows, Parallel: true}, memory.DefaultAllocator)
	if err != nil {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("has a Parquet schema mltf cannot read: %v", err))
		return
	}
	sc, err := fr.Schema()
	if err != nil {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("has a Parquet schema mltf cannot read: %v", err))
		return
	}
	fields := sc.Fields()
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	nrows := pf.NumRows()
	r.expectRows(o.Size, nrows)
	defs := r.mapColumns(obj, names, func(i int) (Type, bool) { return natural(fields[i].Type) })
	flat := pf.MetaData().Schema.NumColumns() == len(fields)
	var cols []colPos
	var indices []int
	for i, d := range defs {
		if d == nil {
			continue
		}
		n, ok := natural(fields[i].Type)
		if !ok || !holds(d.typ(), n) {
			got := fields[i].Type.String()
			if ok {
				got = n.String()
			}
			r.rowFailN(CheckType, d.name(), obj, nrows, fmt.Sprintf("the column is %s in the file", got))
			continue
		}
		pos := i
		if flat {
			pos = len(indices)
			indices = append(indices, i)
		}
		cols = append(cols, colPos{d, pos})
	}
	if flat && len(indices) == 0 {
		r.setRows(obj, nrows)
		return
	}
	if !flat {
		indices = nil
	}
	// The first row of each row group, from the metadata.
	groups := pf.NumRowGroups()
	first := make([]int64, groups+1)
	for g := range groups {
		first[g+1] = first[g] + pf.MetaData().RowGroup(g).NumRows()
	}
	next := make(chan int)
	var rows atomic.Int64
	var wg sync.WaitGroup
	// With unique columns one row group is read at a time: its columns
	// are still decoded in parallel, and the keys of the unique checks
	// (12 bytes a row) leave less memory for a second reader's records
	// and pages (one reader instead of two took the peak of the benchmark
	// with unique from 221 to 180 MB).
	readers := min(r.par, groups)
	if r.keys.sets.Load() > 0 {
		readers = 1
	}
	for range readers {
		wg.Go(func() {
			// A reader of its own for each goroutine, sharing the
			// metadata: the readers keep per-column state.
			gr := fr
			if groups > 1 {
				gf, err := file.NewParquetReader(ra, file.WithReadProps(props), file.WithMetadata(pf.MetaData()))
				if err != nil {
					r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be read: %v", err))
					for range next {
					}
					return
				}
				// Not closed: closing a parquet file.Reader closes ra.
				if gr, err = pqarrow.NewFileReader(gf, fr.Props, memory.DefaultAllocator); err != nil {
					r.objectFail(CheckRead, "", obj, fmt.Sprintf("has a Parquet schema mltf cannot read: %v", err))
					for range next {
					}
					return
				}
			}
			for g := range next {
				rows.Add(r.readRowGroup(gr, obj, g, first[g], indices, cols))
			}
		})
	}
feed:
	for g := range groups {
		select {
		case next <- g:
		case <-r.ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	r.setRows(obj, rows.Load())
}

// readRowGroup sends the records of row group g, whose first row is
// first, to the workers, and returns how many rows it read.
func (r *run) readRowGroup(fr *pqarrow.FileReader, obj int32, g int, first int64, indices []int, cols []colPos) int64 {
	rr, err := fr.GetRecordReader(r.ctx, indices, []int{g})
	if err != nil {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be read: %v", err))
		return 0
	}
	defer rr.Release()
	var rows int64
	for rr.Next() {
		rec := rr.RecordBatch()
		rec.Retain()
		if !r.send(&arrowBatch{where: where{obj: obj, firstRow: first + rows}, rec: rec, cols: cols}) {
			rec.Release()
			return rows
		}
		rows += rec.NumRows()
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		r.rowFail(CheckRead, "", exampleRef{obj: obj, row: first + rows + 1,
			value: fmt.Sprintf("cannot be read after row %d, in row group %d (corrupt or truncated data): %v", first+rows, g+1, err)})
	}
	return rows
}

func (r *run) setRows(obj int32, rows int64) {
	r.mu.Lock()
	r.objRows[obj] = rows
	r.mu.Unlock()
	r.rows.Add(rows)
}

// addRows counts rows of an object read in pieces.
func (r *run) addRows(obj int32, rows int64) {
	r.mu.Lock()
	r.objRows[obj] += rows
	r.mu.Unlock()
	r.rows.Add(rows)
}

// rowFailN records that all n rows of an object fail a column check.
func (r *run) rowFailN(check Check, column string, obj int32, n int64, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := failKey{check, column}
	f := r.objFails[k]
	if f == nil {
		f = &failAcc{message: message}
		r.objFails[k] = f
	}
	if f.objs == nil {
		f.objs = map[int32]struct{}{}
	}
	f.rows += n
	f.objs[obj] = struct{}{}
	f.keep(exampleRef{obj: obj, value: message})
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

func intColumn[T integer](a *acc, arr arrow.Array, vals []T, w *where) {
	noNulls := arr.NullN() == 0
	for i, v := range vals {
		if !noNulls && arr.IsNull(i) {
			a.null(w, i)
			continue
		}
		if uint64(v) > math.MaxInt64 && v > 0 {
			a.typeError(w, i, fmt.Sprint(v))
			continue
		}
		a.int(int64(v), w, i)
	}
}

func floatColumn[T integer | ~float32 | ~float64](a *acc, arr arrow.Array, vals []T, w *where) {
	noNulls := arr.NullN() == 0
	for i, v := range vals {
		if !noNulls && arr.IsNull(i) {
			a.null(w, i)
			continue
		}
		a.float(float64(v), w, i)
	}
}

func timeColumn[T ~int32 | ~int64](a *acc, arr arrow.Array, vals []T, scale int64, w *where) {
	noNulls := arr.NullN() == 0
	for i, v := range vals {
		if !noNulls && arr.IsNull(i) {
			a.null(w, i)
			continue
		}
		a.time(int64(v)*scale, w, i)
	}
}

// arrowColumn observes one column of a record; the file column's type was
// checked against the schema before reading.
func (a *acc) arrowColumn(arr arrow.Array, w *where) {
	float := a.def.typ() == Float64
	switch c := arr.(type) {
	case *array.Int64:
		if float {
			floatColumn(a, arr, c.Int64Values(), w)
		} else {
			intColumn(a, arr, c.Int64Values(), w)
		}
	case *array.Int32:
		if float {
			floatColumn(a, arr, c.Int32Values(), w)
		} else {
			intColumn(a, arr, c.Int32Values(), w)
		}
	case *array.Int16:
		if float {
			floatColumn(a, arr, c.Int16Values(), w)
		} else {
			intColumn(a, arr, c.Int16Values(), w)
		}
	case *array.Int8:
		if float {
			floatColumn(a, arr, c.Int8Values(), w)
		} else {
			intColumn(a, arr, c.Int8Values(), w)
		}
	case *array.Uint64:
		if float {
			floatColumn(a, arr, c.Uint64Values(), w)
		} else {
			intColumn(a, arr, c.Uint64Values(), w)
		}
	case *array.Uint32:
		if float {
			floatColumn(a, arr, c.Uint32Values(), w)
		} else {
			intColumn(a, arr, c.Uint32Values(), w)
		}
	case *array.Uint16:
		if float {
			floatColumn(a, arr, c.Uint16Values(), w)
		} else {
			intColumn(a, arr, c.Uint16Values(), w)
		}
	case *array.Uint8:
		if float {
			floatColumn(a, arr, c.Uint8Values(), w)
		} else {
			intColumn(a, arr, c.Uint8Values(), w)
		}
	case *array.Float64:
		floatColumn(a, arr, c.Float64Values(), w)
	case *array.Float32:
		floatColumn(a, arr, c.Float32Values(), w)
	case *array.String:
		strColumn(a, c, w)
	case *array.LargeString:
		strColumn(a, c, w)
	case *array.Boolean:
		for i := range c.Len() {
			if c.IsNull(i) {
				a.null(w, i)
			} else {
				a.bool(c.Value(i), w, i)
			}
		}
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		timeColumn(a, arr, c.TimestampValues(), int64(unit.Multiplier()), w)
	case *array.Date32:
		timeColumn(a, arr, c.Date32Values(), 86400e9, w)
	case *array.Date64:
		timeColumn(a, arr, c.Date64Values(), 1e6, w)
	}
}

func strColumn(a *acc, c interface {
	arrow.Array
	Value(int) string
}, w *where) {
	noNulls := c.NullN() == 0
	for i := range c.Len() {
		if !noNulls && c.IsNull(i) {
			a.null(w, i)
			continue
		}
		a.str(c.Value(i), w, i)
	}
}
