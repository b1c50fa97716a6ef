package validate

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestCSVChunkBoundaries validates files read in pieces of a few dozen to
// a thousand bytes, cut at record boundaries, against the same bytes
// compressed and read in one piece: failures (every example, with its
// line), row counts and statistics must be the same. The files put what a
// cut must get right at and around the pieces' boundaries: CRLF, empty
// lines, records longer than a piece, duplicate ids in different pieces,
// rows with other numbers of fields, a quoted line break and doubled
// quotes far into the file, a quote in the last bytes, no final line
// break, a final carriage return, a byte order mark, a file smaller than a
// piece.
func TestCSVChunkBoundaries(t *testing.T) {
	rows := func(seed uint64, n int, eol string, extra func(i int) string) string {
		rng := rand.New(rand.NewPCG(seed, 1))
		var b strings.Builder
		b.WriteString("id,label,score,name,flag,ts" + eol)
		for i := 1; i <= n; i++ {
			if s := extra(i); s != "" {
				b.WriteString(s)
				continue
			}
			id := i
			if rng.IntN(40) == 0 {
				id = rng.IntN(i) + 1 // a duplicate of an earlier id
			}
			label := rng.IntN(10)
			if rng.IntN(60) == 0 {
				label = 12
			}
			name := []string{"ann", "bob", "cy", "Dee", ""}[rng.IntN(5)]
			fmt.Fprintf(&b, "%d,%d,0.%d,%s,%v,2024-01-%02dT10:00:00Z%s", id, label, rng.IntN(100), name, rng.IntN(2) == 0, 1+rng.IntN(28), eol)
		}
		return b.String()
	}
	none := func(int) string { return "" }
	long := strings.Repeat("x", 700)
	cases := map[string]string{
		"plain": rows(1, 400, "\n", none),
		"crlf":  rows(2, 400, "\r\n", none),
		"empty lines and short rows": rows(3, 400, "\n", func(i int) string {
			switch i % 37 {
			case 5:
				return "\n\n"
			case 11:
				return "\r\n"
			case 19:
				return fmt.Sprintf("%d,1,0.5\n", i)
			}
			return ""
		}),
		"records longer than a piece": rows(4, 300, "\n", func(i int) string {
			if i%50 == 7 {
				return fmt.Sprintf("%d,1,0.5,%s,true,\n", i, long)
			}
			return ""
		}),
		"a quoted line break far in": rows(5, 400, "\n", func(i int) string {
			switch i {
			case 250:
				return fmt.Sprintf("%d,1,0.5,\"two\nlines\",true,\n", i)
			case 300:
				return fmt.Sprintf("%d,1,0.5,\"say \"\"hi\"\"\",true,\n", i)
			}
			return ""
		}),
		"a quote at the end":      rows(6, 400, "\n", none) + "401,1,0.5,\"ann\",true,",
		"no final line break":     strings.TrimSuffix(rows(7, 400, "\n", none), "\n"),
		"a final carriage return": strings.TrimSuffix(rows(8, 400, "\r\n", none), "\n"),
		"a byte order mark":       "\xef\xbb\xbf" + rows(9, 400, "\n", none),
		"smaller than a piece":    rows(10, 3, "\n", none),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write([]byte(data))
			zw.Close()
			c := csvContract()
			whole := validateOne(t, "a.csv.gz", gz.Bytes(), c, 1<<20)
			for _, chunk := range []int{64, 150, 1000} {
				pieces := validateOne(t, "a.csv", []byte(data), c, chunk)
				if whole.Rows != pieces.Rows {
					t.Errorf("chunk %d: rows %d, want %d", chunk, pieces.Rows, whole.Rows)
				}
				if diff := cmp.Diff(whole.Failures, pieces.Failures); diff != "" {
					t.Errorf("chunk %d: failures (-whole +pieces):\n%s", chunk, diff)
				}
				for _, col := range whole.Columns {
					if diff := cmp.Diff(col.Summary, pieces.Column(col.Name).Summary, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
						t.Errorf("chunk %d: statistics of %s (-whole +pieces):\n%s", chunk, col.Name, diff)
					}
				}
			}
		})
	}
}

// validateOne validates one object cut into pieces of about chunk bytes
// (a compressed object is read whole whatever chunk is), naming it "data"
// in the results.
func validateOne(t *testing.T, name string, data []byte, c *Contract, chunk int) *Result {
	t.Helper()
	src, obj := openFile(t, name, data)
	res, err := Run(context.Background(), src, []Object{obj}, c, Options{Parallelism: 3, ChunkSize: chunk, BatchRows: 7})
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Failures {
		for j := range res.Failures[i].Objects {
			res.Failures[i].Objects[j] = "data"
		}
		for j := range res.Failures[i].Examples {
			res.Failures[i].Examples[j].Object = "data"
		}
	}
	return res
}
