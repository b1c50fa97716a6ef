package validate

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// colPos is a checked column and its position in the rows of a batch.
type colPos struct {
	def *colDef
	pos int
}

// csvBatch is up to batchRows records of one CSV object, their fields
// flattened.
type csvBatch struct {
	where
	ncols  int
	rows   int
	fields []string
	cols   []colPos
}

func (b *csvBatch) process(w *worker) {
	for _, c := range b.cols {
		w.acc(c.def).textColumn(b.fields, b.ncols, b.rows, c.pos, &b.where)
	}
	w.r.recycle(b)
}

// csvBatch takes a batch from the free list, or makes one. Reusing batches
// keeps the allocation rate (and so the garbage collector's work) down to
// the records encoding/csv allocates itself.
func (r *run) csvBatch() *csvBatch {
	select {
	case b := <-r.free:
		return b
	default:
		return &csvBatch{}
	}
}

func (r *run) recycle(b *csvBatch) {
	clear(b.fields) // drop the references to the records
	select {
	case r.free <- b:
	default:
	}
}

func (r *run) readCSV(obj int32, o Object) {
	rc, ok := r.open(obj, o)
	if !ok {
		return
	}
	defer rc.Close()
	cr := csv.NewReader(bufio.NewReaderSize(rc, 256<<10))
	if r.c.Delimiter != 0 {
		cr.Comma = r.c.Delimiter
	}
	cr.ReuseRecord = true
	first, err := cr.Read()
	if err == io.EOF {
		r.objectFail(CheckEmpty, "", obj, "has no header and no rows")
		return
	}
	if err != nil && !errors.Is(err, csv.ErrFieldCount) {
		r.csvError(obj, 0, err)
		return
	}
	names := make([]string, len(first))
	if r.c.NoHeader {
		for i := range names {
			names[i] = strconv.Itoa(i + 1)
		}
	} else {
		copy(names, first)
	}
	defs := r.mapColumns(obj, names, func(int) (Type, bool) { return String, true })
	var cols []colPos
	for i, d := range defs {
		if d != nil {
			cols = append(cols, colPos{d, i})
		}
	}
	ncols := len(names)
	cr.FieldsPerRecord = ncols

	var rows int64
	newBatch := func() *csvBatch {
		b := r.csvBatch()
		b.where = where{obj: obj, firstRow: rows, lines: b.lines[:0]}
		b.ncols, b.rows, b.fields, b.cols = ncols, 0, b.fields[:0], cols
		return b
	}
	b := newBatch()
	add := func(rec []string) bool {
		line, _ := cr.FieldPos(0)
		b.fields = append(b.fields, rec...)
		b.lines = append(b.lines, int64(line))
		b.rows++
		rows++
		if b.rows == r.batchRows {
			if !r.send(b) {
				return false
			}
			b = newBatch()
		}
		return true
	}
	if r.c.NoHeader && !add(first) {
		return
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				rows++
				r.rowFail(CheckFields, "", exampleRef{obj: obj, row: rows, line: int64(pe.StartLine),
					value: fmt.Sprintf("%d fields, the header has %d", len(rec), ncols)})
				if b.rows > 0 {
					// Keep rows numbered: the bad row ends the batch.
					if !r.send(b) {
						return
					}
				}
				b = newBatch()
				continue
			}
			r.csvError(obj, rows, err)
			break
		}
		if !add(rec) {
			return
		}
	}
	if b.rows > 0 {
		r.send(b)
	}
	r.mu.Lock()
	r.objRows[obj] = rows
	r.mu.Unlock()
	r.rows.Add(rows)
}

// send hands a batch to the workers; false when the run is cancelled.
func (r *run) send(b batch) bool {
	select {
	case r.batches <- b:
		return true
	case <-r.ctx.Done():
		return false
	}
}

func (r *run) csvError(obj int32, rows int64, err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := fmt.Sprintf("is not valid CSV at line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
		if pe.StartLine != pe.Line {
			msg = fmt.Sprintf("is not valid CSV: the row that starts at line %d runs to line %d, column %d: %v", pe.StartLine, pe.Line, pe.Column, pe.Err)
		}
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote), errors.Is(pe.Err, csv.ErrQuote):
			msg += `; a field that contains quotes must be quoted as a whole, with inner quotes doubled ("a ""b"" c")`
		}
		r.rowFail(CheckRead, "", exampleRef{obj: obj, row: rows + 1, line: int64(pe.StartLine), value: msg})
		return
	}
	r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be read after %d rows: %v", rows, err))
}

// open opens an object for sequential reading, decompressing it when its
// name ends in .gz.
func (r *run) open(obj int32, o Object) (io.ReadCloser, bool) {
	rc, err := r.src.NewReader(r.ctx, o.Key)
	if err != nil {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be opened: %v", err))
		return nil, false
	}
	if !strings.HasSuffix(strings.ToLower(r.src.Key(o.Key)), ".gz") {
		return rc, true
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(rc, 256<<10))
	if err != nil {
		rc.Close()
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("is not a readable gzip file (its name ends in .gz): %v", err))
		return nil, false
	}
	return gzipReadCloser{zr, rc}, true
}

type gzipReadCloser struct {
	*gzip.Reader
	under io.Closer
}

func (g gzipReadCloser) Close() error {
	g.Reader.Close()
	return g.under.Close()
}
