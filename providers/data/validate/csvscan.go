package validate

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"math/bits"
	"unsafe"
)

// csvScanner splits RFC 4180 records out of a piece of a CSV object that
// starts at a record boundary, as encoding/csv reads them (empty lines
// skipped, CRLF read as LF, quotes doubled inside quoted fields) without
// allocating per field: a field is a view of the data, except for a quoted
// field holding doubled quotes or CRLF, which is unescaped into a new
// string. Fields are valid as long as the data.
//
// Where encoding/csv stops at a malformed record, the scanner reports it
// and goes on with the next one. Both it and splitCSV end a record at the
// first line break outside quotes, a quote opening a quoted field only as
// the first character of a field, so they agree on where records are even
// in malformed data.
type csvScanner struct {
	data  []byte
	pos   int
	line  int64 // the line data[pos] is on
	comma []byte
	stop  [256]bool // bytes the unquoted-field loop stops at
	// plain is set for data without quotes and a one-byte comma, whose
	// records scanPlain splits eight bytes at a time.
	plain bool

	// fields holds the fields of the records scanned since it was last
	// emptied.
	fields []string
	// recLine is the line the last record starts on; err is its first
	// syntax error.
	recLine int64
	err     *csvSyntax
	errBuf  csvSyntax
}

// csvSyntax is a malformed record, located as encoding/csv locates it.
type csvSyntax struct {
	startLine, line, col int64
	err                  error // csv.ErrBareQuote or csv.ErrQuote
}

func newCSVScanner(comma rune) *csvScanner {
	s := &csvScanner{comma: []byte(string(comma))}
	s.stop['\n'], s.stop['"'], s.stop[s.comma[0]] = true, true, true
	return s
}

// reset starts scanning data, whose first byte is on line.
func (s *csvScanner) reset(data []byte, line int64) {
	s.data, s.pos, s.line = data, 0, line
	s.plain = len(s.comma) == 1 && bytes.IndexByte(data, '"') < 0
}

func (s *csvScanner) commaAt(i int) bool {
	if len(s.comma) == 1 {
		return s.data[i] == s.comma[0]
	}
	return bytes.HasPrefix(s.data[i:], s.comma)
}

func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// scan reads the next record, appending its fields to s.fields; false at
// the end of the data.
func (s *csvScanner) scan() bool {
	d, n := s.data, len(s.data)
	for s.pos < n {
		if d[s.pos] == '\n' {
			s.pos++
			s.line++
		} else if d[s.pos] == '\r' && (s.pos+1 == n || d[s.pos+1] == '\n') {
			// An empty CRLF line, or a lone CR at the end.
			s.pos += 2
			s.line++
		} else {
			break
		}
	}
	if s.pos >= n {
		s.pos = n
		return false
	}
	s.recLine, s.err = s.line, nil
	if s.plain {
		s.scanPlain()
		return true
	}
	recStart, pos, lines := s.pos, s.pos, int64(0)
	stop := &s.stop
	for more := true; more; {
		if d[pos] != '"' {
			// An unquoted field: up to the next comma or line break.
			i := pos
			for {
				for i < n && !stop[d[i]] {
					i++
				}
				if i == n || d[i] == '\n' || s.commaAt(i) {
					break
				}
				if d[i] == '"' && s.err == nil {
					s.syntax(recStart, i, csv.ErrBareQuote)
				}
				i++
			}
			end := i
			if (i == n || d[i] == '\n') && end > pos && d[end-1] == '\r' {
				end--
			}
			pos, more = s.endField(view(d[pos:end]), i, &lines)
			continue
		}
		// A quoted field: up to a quote that is not doubled.
		start, i, escaped, closed := pos+1, pos+1, false, false
		for {
			j := bytes.IndexByte(d[i:], '"')
			if j < 0 {
				i = n
				break
			}
			i += j + 1
			if i < n && d[i] == '"' {
				escaped = true
				i++
				continue
			}
			closed = true
			break
		}
		end := i
		if closed {
			end = i - 1
		}
		raw := d[start:end]
		nl := int64(bytes.Count(raw, []byte{'\n'}))
		lines += nl
		field := view(raw)
		if escaped || (nl > 0 && bytes.Contains(raw, []byte("\r\n"))) {
			field = unescape(raw)
		}
		switch {
		case !closed:
			// The file ends inside the quotes.
			s.syntax(recStart, n, csv.ErrQuote)
		case i == n || d[i] == '\n' || s.commaAt(i):
		case d[i] == '\r' && (i+1 == n || d[i+1] == '\n'):
			i++
		default:
			// Text after the closing quote: the record is malformed; the
			// rest of the field, quotes included, is read as it is.
			s.syntax(recStart, i-1, csv.ErrQuote)
			for i < n && d[i] != '\n' && !s.commaAt(i) {
				i++
			}
		}
		pos, more = s.endField(field, i, &lines)
	}
	s.pos = pos
	s.line = s.recLine + lines
	return true
}

const (
	lows  = 0x0101010101010101
	low7s = 0x7f7f7f7f7f7f7f7f
)

// zeroBytes has the high bit of each zero byte of x set, and no other bit
// (exact, unlike the shorter (x-lows)&^x test, which also marks a 0x01
// byte above a zero one).
func zeroBytes(x uint64) uint64 { return ^((x&low7s + low7s) | x | low7s) }

// scanPlain reads the record at s.pos of data without quotes (see plain):
// each field runs to the next comma or line break, found eight bytes at a
// time, and a CR before the line break is dropped, as scan does.
func (s *csvScanner) scanPlain() {
	d, n, c := s.data, len(s.data), s.comma[0]
	cm, lm := lows*uint64(c), uint64(lows*'\n')
	start, i := s.pos, s.pos
	for {
		for i+8 <= n {
			w := binary.LittleEndian.Uint64(d[i:])
			if m := zeroBytes(w^cm) | zeroBytes(w^lm); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < n && d[i] != c && d[i] != '\n' {
			i++
		}
		if i == n || d[i] == '\n' {
			end := i
			if end > start && d[end-1] == '\r' {
				end--
			}
			s.fields = append(s.fields, view(d[start:end]))
			if i < n {
				i++
				s.line++
			}
			s.pos = i
			return
		}
		s.fields = append(s.fields, view(d[start:i]))
		i++
		if start = i; i == n {
			// A comma at the very end: one more, empty field.
			s.fields = append(s.fields, "")
			s.pos = n
			return
		}
	}
}

// plainRows splits up to max records of data without quotes (see plain)
// from s.pos, appending the fields of each record of ncols fields to
// s.fields and its line to lines; a record of another number of fields is
// dropped and given to bad. It returns the records kept, and whether data
// remains. It reads as scan does, one record per line, empty lines
// skipped, but finds every comma and line break of eight bytes at once and
// takes them one by one from the bits, without a call per record.
func (s *csvScanner) plainRows(ncols, max int, lines *[]int64, bad func(line int64, fields int)) (int, bool) {
	d, n := s.data, len(s.data)
	cm, lm := lows*uint64(s.comma[0]), uint64(lows*'\n')
	fields, ls := s.fields, *lines
	rec, start, i, line, rows := len(fields), s.pos, s.pos, s.line, 0
	for rows < max && i < n {
		var w uint64
		if i+8 <= n {
			w = binary.LittleEndian.Uint64(d[i:])
		} else {
			// The last bytes, padded with zeros, which are neither.
			var tail [8]byte
			copy(tail[:], d[i:])
			w = binary.LittleEndian.Uint64(tail[:])
		}
		m := zeroBytes(w^cm) | zeroBytes(w^lm)
		for m != 0 {
			k := i + bits.TrailingZeros64(m)>>3
			m &= m - 1
			if d[k] != '\n' {
				fields = append(fields, view(d[start:k]))
				start = k + 1
				continue
			}
			end := k
			if end > start && d[end-1] == '\r' {
				end--
			}
			line++
			if end == start && len(fields) == rec {
				start = k + 1 // an empty line
				continue
			}
			fields = append(fields, view(d[start:end]))
			start = k + 1
			if nf := len(fields) - rec; nf != ncols {
				fields = fields[:rec]
				bad(line-1, nf)
				continue
			}
			ls = append(ls, line-1)
			rec = len(fields)
			if rows++; rows == max {
				break
			}
		}
		i += 8
	}
	if rows < max && start < n || len(fields) > rec {
		// The last record, without a line break (a final CR dropped).
		end := n
		if end > start && d[end-1] == '\r' {
			end--
		}
		if end > start || len(fields) > rec {
			fields = append(fields, view(d[start:end]))
			if nf := len(fields) - rec; nf != ncols {
				fields = fields[:rec]
				bad(line, nf)
			} else {
				ls = append(ls, line)
				rec = len(fields)
				rows++
			}
		}
		start = n
	}
	s.fields, *lines, s.pos, s.line = fields, ls, start, line
	return rows, start < n
}

// endField adds a field that ends at data[i]: a comma, a line break or the
// end of the data. It returns where scanning goes on, and whether the
// record has more fields.
func (s *csvScanner) endField(field string, i int, lines *int64) (int, bool) {
	s.fields = append(s.fields, field)
	switch {
	case i == len(s.data):
		return i, false
	case s.data[i] == '\n':
		*lines++
		return i + 1, false
	}
	i += len(s.comma)
	if i == len(s.data) {
		// A comma at the very end: one more, empty field.
		s.fields = append(s.fields, "")
		return i, false
	}
	return i, true
}

// syntax records the record's first syntax error, at offset off.
func (s *csvScanner) syntax(recStart, off int, err error) {
	if s.err != nil {
		return
	}
	d := s.data[recStart:off]
	if off == len(s.data) {
		// At the end of the file, where encoding/csv drops a final CR and
		// stays on the last line.
		if len(d) > 0 && d[len(d)-1] == '\r' {
			d = d[:len(d)-1]
		}
		off = recStart + len(d)
		if len(d) > 0 && d[len(d)-1] == '\n' {
			d = d[:len(d)-1]
			if len(d) > 0 && d[len(d)-1] == '\r' {
				off-- // CRLF counts as one
			}
		}
	}
	lineStart := recStart + bytes.LastIndexByte(d, '\n') + 1
	s.errBuf = csvSyntax{
		startLine: s.recLine,
		line:      s.recLine + int64(bytes.Count(d, []byte{'\n'})),
		col:       int64(off - lineStart + 1),
		err:       err,
	}
	s.err = &s.errBuf
}

// unescape reads the content of a quoted field: doubled quotes are one,
// CRLF is LF.
func unescape(raw []byte) string {
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"' && i+1 < len(raw) && raw[i+1] == '"':
			i++
		case c == '\r' && i+1 < len(raw) && raw[i+1] == '\n':
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// splitCSV returns the length of the longest prefix of data (which starts
// at a record boundary) that holds whole records: up to the last line
// break outside quotes; 0 when there is none. Quotes are found with
// bytes.IndexByte, so data without quotes costs two vectorized scans.
func splitCSV(data []byte, comma []byte) int {
	cut := 0
	// outside notes the last line break of data[from:to], which is
	// outside quotes.
	outside := func(from, to int) {
		if j := bytes.LastIndexByte(data[from:to], '\n'); j >= 0 {
			cut = from + j + 1
		}
	}
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '"')
		if j < 0 {
			outside(i, len(data))
			return cut
		}
		q := i + j
		if q > 0 && data[q-1] != '\n' && !bytes.HasSuffix(data[:q], comma) {
			// A quote inside an unquoted field.
			outside(i, q+1)
			i = q + 1
			continue
		}
		outside(i, q)
		// A quoted field: find its closing quote.
		k := q + 1
		for {
			m := bytes.IndexByte(data[k:], '"')
			if m < 0 || k+m+1 == len(data) {
				// Not closed, or closed by the last byte, which may be
				// the first of a doubled quote.
				return cut
			}
			k += m + 1
			if data[k] != '"' {
				break
			}
			k++
		}
		i = k
	}
}
