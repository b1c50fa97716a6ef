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
	if r.splittable(o) {
		r.readCSVSplit(obj, o)
		return
	}
	rc, ok := r.open(obj, o)
	if !ok {
		return
	}
	defer rc.Close()
	cr := r.csvReader(rc)
	first, err := cr.Read()
	if err == io.EOF {
		r.objectFail(CheckEmpty, "", obj, "has no header and no rows")
		return
	}
	if err != nil && !errors.Is(err, csv.ErrFieldCount) {
		r.csvError(obj, 0, err)
		return
	}
	cols, ncols := r.csvColumns(obj, first)
	cr.FieldsPerRecord = ncols
	var pending []string
	if r.c.NoHeader {
		pending = first
	}
	rows, _ := r.parseCSV(obj, cr, cols, ncols, 0, pending)
	r.setRows(obj, rows)
}

func (r *run) csvReader(rd io.Reader) *csv.Reader {
	cr := csv.NewReader(bufio.NewReaderSize(rd, 256<<10))
	if r.c.Delimiter != 0 {
		cr.Comma = r.c.Delimiter
	}
	cr.ReuseRecord = true
	return cr
}

// csvColumns maps the header (or, without one, the first record's width)
// to the checked columns.
func (r *run) csvColumns(obj int32, first []string) ([]colPos, int) {
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
	return cols, len(names)
}

// parseCSV reads the records of cr (after the header) into batches.
// lineOffset is added to cr's line numbers (a piece of a split object);
// pending is a record already read. It returns the number of rows, and
// false when the run was cancelled.
func (r *run) parseCSV(obj int32, cr *csv.Reader, cols []colPos, ncols int, lineOffset int64, pending []string) (int64, bool) {
	var rows int64
	newBatch := func() *csvBatch {
		b := r.csvBatch()
		b.where = where{obj: obj, lines: b.lines[:0]}
		b.ncols, b.rows, b.fields, b.cols = ncols, 0, b.fields[:0], cols
		return b
	}
	b := newBatch()
	add := func(rec []string) bool {
		line, _ := cr.FieldPos(0)
		b.fields = append(b.fields, rec...)
		b.lines = append(b.lines, int64(line)+lineOffset)
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
	if pending != nil && !add(pending) {
		return rows, false
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
				line := int64(pe.StartLine) + lineOffset
				r.rowFail(CheckFields, "", exampleRef{obj: obj, row: line, line: line,
					value: fmt.Sprintf("%d fields, the header has %d", len(rec), ncols)})
				continue
			}
			r.csvErrorAt(obj, lineOffset, err)
			break
		}
		if !add(rec) {
			return rows, false
		}
	}
	if b.rows > 0 && !r.send(b) {
		return rows, false
	}
	return rows, true
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
	if !errors.As(err, &pe) {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be read after %d rows: %v", rows, err))
		return
	}
	r.csvErrorAt(obj, 0, err)
}

// csvErrorAt records malformed CSV; lineOffset is added to the lines of
// the error (a piece of a split object).
func (r *run) csvErrorAt(obj int32, lineOffset int64, err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be read: %v", err))
		return
	}
	start, line := int64(pe.StartLine)+lineOffset, int64(pe.Line)+lineOffset
	msg := fmt.Sprintf("is not valid CSV at line %d, column %d: %v", line, pe.Column, pe.Err)
	if start != line {
		msg = fmt.Sprintf("is not valid CSV: the row that starts at line %d runs to line %d, column %d: %v", start, line, pe.Column, pe.Err)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote), errors.Is(pe.Err, csv.ErrQuote):
		msg += `; a field that contains quotes must be quoted as a whole, with inner quotes doubled ("a ""b"" c")`
	}
	r.rowFail(CheckRead, "", exampleRef{obj: obj, row: start, line: start, value: msg})
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
