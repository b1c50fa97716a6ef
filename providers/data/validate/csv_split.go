package validate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// splitMin is the default smallest CSV object read in pieces: below it one
// reader keeps up with the workers.
const splitMin = 32 << 20

// splittable says whether an object is a large local CSV file, which
// readCSVSplit reads in parallel pieces. Random access must be cheap, so
// only file:// objects qualify; a compressed file cannot be split.
func (r *run) splittable(o Object) bool {
	return r.par > 1 && r.splitSize > 0 && o.Size >= r.splitSize && r.src.Scheme == "file" &&
		!strings.HasSuffix(strings.ToLower(r.src.Key(o.Key)), ".gz")
}

// readCSVSplit reads a large CSV file as several pieces at once. Pieces
// start at record boundaries: a line break ends a record exactly when the
// file holds an even number of quote characters before it (RFC 4180 quotes
// come in pairs, doubled ones too).
func (r *run) readCSVSplit(obj int32, o Object) {
	ra, err := r.src.NewReaderAt(r.ctx, o.Key, o.Size)
	if err != nil {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be opened: %v", err))
		return
	}
	defer ra.Close()
	cr := r.csvReader(io.NewSectionReader(ra, 0, o.Size))
	first, err := cr.Read()
	if err == io.EOF {
		r.objectFail(CheckEmpty, "", obj, "has no header and no rows")
		return
	}
	if err != nil {
		r.csvError(obj, 0, err)
		return
	}
	cols, ncols := r.csvColumns(obj, first)
	dataStart := int64(0)
	if !r.c.NoHeader {
		dataStart = cr.InputOffset()
	}
	pieces, err := splitCSV(ra, dataStart, o.Size, 4*r.par)
	if err != nil {
		r.objectFail(CheckRead, "", obj, fmt.Sprintf("cannot be read: %v", err))
		return
	}
	var mu sync.Mutex
	var total int64
	var g errgroup.Group
	g.SetLimit(r.par)
	for _, p := range pieces {
		g.Go(func() error {
			cr := r.csvReader(io.NewSectionReader(ra, p.start, p.end-p.start))
			cr.FieldsPerRecord = ncols
			rows, ok := r.parseCSV(obj, cr, cols, ncols, p.line-1, nil)
			mu.Lock()
			total += rows
			mu.Unlock()
			if !ok {
				return errors.New("cancelled")
			}
			return nil
		})
	}
	g.Wait()
	r.setRows(obj, total)
}

// piece is a byte range of a CSV file holding whole records, and the line
// number its first record starts on.
type piece struct {
	start, end, line int64
}

// splitCSV cuts [dataStart, size) into about n pieces at record
// boundaries. It reads the file twice as fast as a CSV parser could: a
// count of quotes and line breaks per piece in parallel, then a short scan
// from each tentative cut to the next line break outside quotes.
func splitCSV(ra io.ReaderAt, dataStart, size int64, n int) ([]piece, error) {
	span := size - dataStart
	if n < 2 || span < int64(n) {
		return []piece{{dataStart, size, 1 + countIn(ra, 0, dataStart, '\n')}}, nil
	}
	cuts := make([]int64, n+1)
	for i := range cuts {
		cuts[i] = dataStart + span*int64(i)/int64(n)
	}
	quotes := make([]int64, n)
	lines := make([]int64, n)
	var g errgroup.Group
	g.SetLimit(n)
	for i := range n {
		g.Go(func() error {
			var err error
			quotes[i], lines[i], err = counts(ra, cuts[i], cuts[i+1])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	headerLines := countIn(ra, 0, dataStart, '\n')
	var pieces []piece
	start, startLine := dataStart, 1+headerLines
	var q, nl int64 // quotes and line breaks in [dataStart, cuts[i])
	for i := 1; i < n; i++ {
		q += quotes[i-1]
		nl += lines[i-1]
		at, extra, ok, err := boundary(ra, cuts[i], cuts[i+1], q%2 == 1)
		if err != nil {
			return nil, err
		}
		if !ok || at <= start {
			continue // a quoted field spans the piece: merge it with the next
		}
		pieces = append(pieces, piece{start, at, startLine})
		start, startLine = at, 1+headerLines+nl+extra
	}
	return append(pieces, piece{start, size, startLine}), nil
}

// counts returns the quote characters and line breaks in [from, to).
func counts(ra io.ReaderAt, from, to int64) (quotes, lines int64, err error) {
	buf := make([]byte, 1<<20)
	for off := from; off < to; {
		n, err := ra.ReadAt(buf[:min(int64(len(buf)), to-off)], off)
		quotes += int64(bytes.Count(buf[:n], []byte{'"'}))
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		off += int64(n)
		if err != nil && err != io.EOF {
			return 0, 0, err
		}
		if n == 0 {
			break
		}
	}
	return quotes, lines, nil
}

func countIn(ra io.ReaderAt, from, to int64, c byte) int64 {
	buf := make([]byte, to-from)
	n, _ := ra.ReadAt(buf, from)
	return int64(bytes.Count(buf[:n], []byte{c}))
}

// boundary finds the first line break at or after from, before to, that is
// outside quotes (inQuote: the parity of the quotes before from), and
// returns the offset after it and the line breaks in [from, offset).
func boundary(ra io.ReaderAt, from, to int64, inQuote bool) (int64, int64, bool, error) {
	buf := make([]byte, 64<<10)
	var lines int64
	for off := from; off < to; {
		n, err := ra.ReadAt(buf[:min(int64(len(buf)), to-off)], off)
		for i, c := range buf[:n] {
			switch c {
			case '"':
				inQuote = !inQuote
			case '\n':
				lines++
				if !inQuote {
					return off + int64(i) + 1, lines, true, nil
				}
			}
		}
		off += int64(n)
		if err != nil && err != io.EOF {
			return 0, 0, false, err
		}
		if n == 0 {
			break
		}
	}
	return 0, 0, false, nil
}
