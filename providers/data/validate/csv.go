package validate

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// colPos is a checked column and its position in the rows of a batch.
type colPos struct {
	def *colDef
	pos int
}

// csvChunk is a piece of a CSV object holding whole records. The reader
// only cuts the object at record boundaries; workers split and check the
// records, so that parsing runs on every worker.
type csvChunk struct {
	obj   int32
	data  []byte
	buf   *[]byte // data's buffer, returned to the run when done
	line  int64   // the line data starts on
	ncols int
	cols  []colPos
}

// csvWork is a worker's reusable state for CSV chunks.
type csvWork struct {
	s     *csvScanner
	comma rune
	where where
}

func (c *csvChunk) process(w *worker) {
	r := w.r
	cw := &w.csv
	if cw.s == nil {
		cw.comma = r.comma()
		cw.s = newCSVScanner(cw.comma)
	}
	s := cw.s
	s.reset(c.data, c.line)
	b := &cw.where
	var total int64
	for more := true; more; {
		s.fields = s.fields[:0]
		*b = where{obj: c.obj, lines: b.lines[:0]}
		rows := 0
		if s.plain {
			rows, more = s.plainRows(c.ncols, r.batchRows, &b.lines, func(line int64, nf int) {
				total++
				w.rowFail(CheckFields, "", exampleRef{obj: c.obj, row: line, line: line,
					value: fmt.Sprintf("%d fields, the header has %d", nf, c.ncols)})
			})
		}
		for !s.plain && rows < r.batchRows {
			if more = s.scan(); !more {
				break
			}
			start := rows * c.ncols
			nf := len(s.fields) - start
			switch {
			case s.err != nil:
				e := s.err
				w.rowFail(CheckRead, "", exampleRef{obj: c.obj, row: e.startLine, line: e.startLine, value: csvSyntaxMessage(e.startLine, e.line, e.col, e.err)})
			case nf != c.ncols:
				total++
				w.rowFail(CheckFields, "", exampleRef{obj: c.obj, row: s.recLine, line: s.recLine,
					value: fmt.Sprintf("%d fields, the header has %d", nf, c.ncols)})
			default:
				b.lines = append(b.lines, s.recLine)
				rows++
				continue
			}
			s.fields = s.fields[:start]
		}
		if rows == 0 {
			continue
		}
		total += int64(rows)
		for _, col := range c.cols {
			w.acc(col.def).textColumn(s.fields, c.ncols, rows, col.pos, b)
		}
		w.flushKeys()
	}
	clear(s.fields) // the fields point into the buffer
	r.addRows(c.obj, total)
	r.putBuffer(c.buf)
	r.pieceDone(c.obj)
}

func (r *run) comma() rune {
	if r.c.Delimiter != 0 {
		return r.c.Delimiter
	}
	return ','
}

// getBuffer returns a chunk buffer: a free one, or a new one.
func (r *run) getBuffer() *[]byte {
	select {
	case b := <-r.free:
		return b
	default:
		b := make([]byte, 0, r.chunkSize+r.chunkSize/4)
		return &b
	}
}

func (r *run) putBuffer(b *[]byte) {
	select {
	case r.free <- b:
	default:
	}
}

// maxRecord bounds the size of one record (a quoted field that never
// closes would otherwise be read whole).
const maxRecord = 64 << 20

var bom = []byte("\xef\xbb\xbf")

// readCSV reads an object in chunks of whole records and hands them to the
// workers.
func (r *run) readCSV(obj int32, o Object) {
	rc, ok := r.open(obj, o)
	if !ok {
		return
	}
	defer rc.Close()
	comma := []byte(string(r.comma()))
	ch := chunker{r: rc, size: r.chunkSize, split: func(b []byte) int { return splitCSV(b, comma) }}
	buf := r.getBuffer()
	data, err := ch.next(buf)
	if err != nil {
		r.putBuffer(buf)
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be read: %v", err))
		return
	}
	data = bytes.TrimPrefix(data, bom)
	s := newCSVScanner(r.comma())
	s.reset(data, 1)
	if !s.scan() {
		r.putBuffer(buf)
		r.objectFail(CheckEmpty, "", obj, "has no header and no rows")
		return
	}
	if e := s.err; e != nil {
		r.putBuffer(buf)
		r.rowFail(CheckRead, "", exampleRef{obj: obj, row: e.startLine, line: e.startLine, value: csvSyntaxMessage(e.startLine, e.line, e.col, e.err)})
		return
	}
	cols, ncols := r.csvColumns(obj, s.fields)
	r.expectRows(int64(len(data)), int64(bytes.Count(data, []byte{'\n'})))
	line := int64(1)
	if !r.c.NoHeader {
		data, line = data[s.pos:], s.line
	}
	for {
		if len(data) > 0 {
			c := &csvChunk{obj: obj, data: data, buf: buf, line: line, ncols: ncols, cols: cols}
			line += int64(bytes.Count(data, []byte{'\n'}))
			r.pending[obj].Add(1)
			if !r.send(c) {
				return
			}
		} else {
			r.putBuffer(buf)
		}
		buf = r.getBuffer()
		if data, err = ch.next(buf); err != nil || data == nil {
			r.putBuffer(buf)
			if err != nil {
				r.rowFail(CheckRead, "", exampleRef{obj: obj, row: line, line: line, value: fmt.Sprintf("cannot be read after line %d: %v", line-1, err)})
			}
			return
		}
	}
}

// chunker cuts a stream into pieces of about size bytes that end where
// split says (at a record boundary), carrying the rest over to the next
// piece.
type chunker struct {
	r     io.Reader
	size  int
	split func([]byte) int
	carry []byte
	eof   bool
}

// next fills buf with the next piece and returns it; nil at the end.
func (c *chunker) next(buf *[]byte) ([]byte, error) {
	b := append((*buf)[:0], c.carry...)
	c.carry = c.carry[:0]
	for want := c.size; ; want *= 2 {
		for !c.eof && len(b) < want {
			if cap(b)-len(b) < max(c.size/4, 512) {
				b = slices.Grow(b, want-len(b)+max(c.size/4, 512))
			}
			n, err := c.r.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			if err == io.EOF {
				c.eof = true
			} else if err != nil {
				*buf = b
				return nil, err
			}
		}
		*buf = b
		if len(b) == 0 {
			return nil, nil
		}
		if c.eof {
			return b, nil
		}
		if cut := c.split(b); cut > 0 {
			c.carry = append(c.carry, b[cut:]...)
			return b[:cut], nil
		}
		if len(b) >= maxRecord {
			return nil, fmt.Errorf("a record is longer than %d MiB; is a quoted field not closed?", maxRecord>>20)
		}
		// One record spans the piece: read on.
	}
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
		for i, f := range first {
			names[i] = strings.Clone(f)
		}
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

// send hands a batch to the workers; false when the run is cancelled.
func (r *run) send(b batch) bool {
	select {
	case r.batches <- b:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// csvSyntaxMessage says what is wrong with a malformed record.
func csvSyntaxMessage(start, line, col int64, err error) string {
	msg := fmt.Sprintf("is not valid CSV at line %d, column %d: %v", line, col, err)
	if start != line {
		msg = fmt.Sprintf("is not valid CSV: the row that starts at line %d runs to line %d, column %d: %v", start, line, col, err)
	}
	if errors.Is(err, csv.ErrBareQuote) || errors.Is(err, csv.ErrQuote) {
		msg += `; a field that contains quotes must be quoted as a whole, with inner quotes doubled ("a ""b"" c")`
	}
	return msg
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
