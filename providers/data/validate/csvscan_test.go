package validate

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mltf/mltf/providers/data/datagen"
	"github.com/mltf/mltf/providers/data/stats"
)

// TestCSVChunks reads a file with quoted line breaks and quotes whole and in
// pieces of a few hundred bytes: the results must not differ.
func TestCSVChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,label,score,name,flag,ts\n")
	for i := 1; i <= 300; i++ {
		name := "bob"
		switch i % 7 {
		case 0:
			name = "\"multi\nline\"" // a quoted line break
		case 3:
			name = `"say ""hi"""`
		}
		label := i % 3
		if i%50 == 0 {
			label = 9
		}
		fmt.Fprintf(&b, "%d,%d,0.%d,%s,true,\n", i, label, i%10, name)
	}
	b.WriteString("7,1,0.5,bob,true,\n") // a duplicate id near the end
	src, obj := openFile(t, "a.csv", []byte(b.String()))
	c := csvContract()
	c.Columns[3].Regex = "" // names hold quotes and line breaks
	run := func(chunk int) *Result {
		res, err := Run(context.Background(), src, []Object{obj}, c, Options{Parallelism: 3, ChunkSize: chunk})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	whole, pieces := run(1<<20), run(100)
	if whole.Rows != 301 || pieces.Rows != 301 {
		t.Errorf("rows: whole %d, in pieces %d; want 301", whole.Rows, pieces.Rows)
	}
	if diff := cmp.Diff(failures(whole), failures(pieces)); diff != "" {
		t.Errorf("failures (-whole +pieces):\n%s", diff)
	}
	want := []failure{
		{Check: CheckUnique, Column: "id", Rows: 1, Objects: 1, Example: "a.csv:344:7, as in line 8"},
		{Check: CheckValues, Column: "label", Rows: 6, Objects: 1, Example: "a.csv:58:9"},
	}
	if diff := cmp.Diff(want, failures(pieces)); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	for _, name := range []string{"id", "label", "score", "name"} {
		w, p := whole.Column(name).Summary, pieces.Column(name).Summary
		if diff := cmp.Diff(w, p, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Errorf("statistics of %s (-whole +pieces):\n%s", name, diff)
		}
	}
}

// TestCSVReusedBuffers reads datagen's transactions in small pieces, so
// that the buffers the pieces are read into are reused many times while the
// workers keep statistics of the values: the counts of the 20 countries must
// be exact and name only them. (The counters once took the names of
// whatever a reused buffer held next, and a 1.25 GB file crawled to a
// stop when they outnumbered the summary's capacity.)
func TestCSVReusedBuffers(t *testing.T) {
	const rows = 40000
	var b bytes.Buffer
	if _, _, err := datagen.WriteCSV(&b, 0, rows); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for i := range int64(rows) {
		counts[datagen.At(i).Country]++
	}
	var want []stats.ValueCount
	for v, n := range counts {
		want = append(want, stats.ValueCount{Value: v, Count: n})
	}
	slices.SortFunc(want, func(a, b stats.ValueCount) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		return strings.Compare(a.Value, b.Value)
	})
	src, obj := openFile(t, "tx.csv", b.Bytes())
	res, err := Run(context.Background(), src, []Object{obj}, txContract(CSV, true), Options{Parallelism: 2, ChunkSize: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Rows != rows {
		t.Fatalf("rows %d, failures %+v", res.Rows, res.Failures)
	}
	got := res.Column("country").Summary
	if diff := cmp.Diff(want, got.Top); diff != "" || !got.TopExact {
		t.Errorf("top countries, exact %v (-want +got):\n%s", got.TopExact, diff)
	}
}

// scanAll reads data the way encoding/csv does, up to its first error.
type scanned struct {
	Records [][]string
	Lines   []int64
	Err     string // "start line col: error"
}

func readStd(data string) scanned {
	r := csv.NewReader(strings.NewReader(data))
	r.FieldsPerRecord = -1
	var got scanned
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return got
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				got.Err = fmt.Sprintf("%d %d %d: %v", pe.StartLine, pe.Line, pe.Column, pe.Err)
			} else {
				got.Err = err.Error()
			}
			return got
		}
		line, _ := r.FieldPos(0)
		got.Records = append(got.Records, rec)
		got.Lines = append(got.Lines, int64(line))
	}
}

// readScanner reads data with csvScanner in pieces cut by splitCSV of at
// most chunk bytes, up to the first error.
func readScanner(data string, chunk int) scanned {
	var got scanned
	ch := chunker{r: strings.NewReader(data), size: chunk, split: func(b []byte) int { return splitCSV(b, []byte{','}) }}
	s := newCSVScanner(',')
	line := int64(1)
	for {
		var buf []byte
		piece, err := ch.next(&buf)
		if err != nil {
			got.Err = err.Error()
			return got
		}
		if piece == nil {
			return got
		}
		s.reset(piece, line)
		for s.scan() {
			if e := s.err; e != nil {
				got.Err = fmt.Sprintf("%d %d %d: %v", e.startLine, e.line, e.col, e.err)
				return got
			}
			got.Records = append(got.Records, slices.Clone(s.fields))
			got.Lines = append(got.Lines, s.recLine)
			s.fields = s.fields[:0]
		}
		line += int64(strings.Count(string(piece), "\n"))
	}
}

// TestCSVScanner compares the scanner, whole and in small pieces, with
// encoding/csv on the edge cases of the format and on random text made of
// the characters that matter.
func TestCSVScanner(t *testing.T) {
	cases := []string{
		"a,b\n1,2\n",
		"a,b\r\n1,2\r\n",                // CRLF
		"a,b\n1,2",                      // no final line break
		"a,b\n1,2\r",                    // a final CR
		"a,b\n\n\n1,2\n\r\n3,4\n",       // empty lines
		"a,b\n,\n,x\nx,\n",              // empty fields
		"a,b\n1,\n",                     // an empty last field
		"a,b\n\"x,y\",2\n",              // a quoted comma
		"a,b\n\"multi\nline\",2\n3,4\n", // a quoted line break
		"a,b\n\"multi\r\nline\",2\n",    // a quoted CRLF
		"a,b\n\"say \"\"hi\"\"\",2\n",   // doubled quotes
		"a,b\n\"\",\"\"\n",              // empty quoted fields
		"a,b\n\"\"\"\",x\n",             // a quote alone
		"a,b\n\"x\"\r\n\"y\"\r\n",       // quoted then CRLF
		"a,b\n1,b\"c\n",                 // a bare quote
		"a,b\n1,\"b\"c\n",               // text after a closing quote
		"a,b\n1,\"open\n2,3\n",          // never closed
		"a,b\n1,\"open",                 // never closed, no line break
		"a\nx\ry\n",                     // a lone CR inside a field
		"\xef\xbb\xbfa,b\n1,2\n",        // a BOM (encoding/csv keeps it; readCSV drops it)
		"a,b,c\n1,2\n3,4,5,6\n",         // other field counts
		"a\n\"long " + strings.Repeat("x\n", 50) + "\"\n2\n", // a record longer than a piece
	}
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(alphabet []byte, n, size int) {
		for range n {
			b := make([]byte, 1+rng.IntN(size))
			for i := range b {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
			cases = append(cases, string(b))
		}
	}
	random([]byte{'a', ',', '"', '\n', '\r', 'b'}, 3000, 40)
	// Without quotes, which the scanner splits eight bytes at a time; '-'
	// is ',' + 1, '\v' is '\n' + 1.
	random([]byte{'a', ',', '\n', '\r', '-', '\v', 0, 'b', 'b', 'b'}, 3000, 100)
	for _, data := range cases {
		want := readStd(data)
		for _, chunk := range []int{1 << 20, 8, 1} {
			got := readScanner(data, chunk)
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("%q in pieces of %d (-encoding/csv +scanner):\n%s", data, chunk, diff)
			}
		}
	}
}

// TestPlainRows compares the batch splitter of data without quotes with
// the record scanner, on random text of the bytes that matter and for
// several widths and batch sizes: the same records in the same batches'
// order, the same lines, the same records of another width.
func TestPlainRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{'a', ',', '\n', '\r', '-', '\v', 0, 'b', 'b', 'b', ',', '\n'}
	cases := []string{"", "\n", "\r", "a", "a,", ",", "a,b\r", "a,b\n\r\n,\n", "a,b,c,d,e,f,g,h,i\n1,2\n"}
	for range 3000 {
		b := make([]byte, rng.IntN(120))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	type result struct {
		Records [][]string
		Lines   []int64
		Bad     []string
	}
	for _, data := range cases {
		for _, ncols := range []int{1, 2, 3} {
			var want result
			s := newCSVScanner(',')
			s.reset([]byte(data), 1)
			for s.scan() {
				if len(s.fields) == ncols {
					want.Records = append(want.Records, slices.Clone(s.fields))
					want.Lines = append(want.Lines, s.recLine)
				} else {
					want.Bad = append(want.Bad, fmt.Sprintf("%d:%d", s.recLine, len(s.fields)))
				}
				s.fields = s.fields[:0]
			}
			for _, max := range []int{1, 2, 1000} {
				var got result
				s.reset([]byte(data), 1)
				if !s.plain {
					t.Fatalf("%q is not plain", data)
				}
				bad := func(line int64, nf int) { got.Bad = append(got.Bad, fmt.Sprintf("%d:%d", line, nf)) }
				for more := true; more; {
					var lines []int64
					s.fields = s.fields[:0]
					rows, m := s.plainRows(ncols, max, &lines, bad)
					more = m
					if rows > max || len(s.fields) != rows*ncols || len(lines) != rows {
						t.Fatalf("%q: %d rows (max %d), %d fields, %d lines", data, rows, max, len(s.fields), len(lines))
					}
					for r := range rows {
						got.Records = append(got.Records, slices.Clone(s.fields[r*ncols:(r+1)*ncols]))
					}
					got.Lines = append(got.Lines, lines...)
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Fatalf("%q, %d columns, batches of %d (-scan +plainRows):\n%s", data, ncols, max, diff)
				}
			}
		}
	}
}

// BenchmarkCSVSplit splits 8 MB of datagen's transactions into fields,
// record by record (scan) and in batches of 1024 records (plainRows).
func BenchmarkCSVSplit(b *testing.B) {
	var buf bytes.Buffer
	if _, _, err := datagen.WriteCSV(&buf, 0, 160_000); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		s := newCSVScanner(',')
		for b.Loop() {
			s.reset(data, 1)
			for s.scan() {
				if len(s.fields) >= 6*1024 {
					s.fields = s.fields[:0]
				}
			}
			s.fields = s.fields[:0]
		}
	})
	b.Run("plainRows", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		s := newCSVScanner(',')
		var lines []int64
		for b.Loop() {
			s.reset(data, 1)
			for more := true; more; {
				s.fields, lines = s.fields[:0], lines[:0]
				_, more = s.plainRows(6, 1024, &lines, func(int64, int) { b.Fatal("bad record") })
			}
		}
	})
}
