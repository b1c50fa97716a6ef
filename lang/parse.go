package lang

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// pieceSize is about how many bytes of a file parseFile gives the parser
// at a time.
const pieceSize = 4 << 10

// parseFile parses a configuration file as hclsyntax.ParseConfig does,
// with the same result, but a large file in pieces of whole top-level
// blocks. The lexer appends every token of what it is given to one
// slice, which for a file of thousands of blocks grows (and is copied)
// many times over and dominates the load; pieces keep each slice small.
//
// A piece ends after a line that is a lone "}". Where that line is not
// the end of a top-level block (inside a heredoc or a comment), the piece
// before it is unfinished and does not parse; so does a piece that
// begins inside an expression. Any diagnostic in any piece, or an
// attribute defined in two pieces, and the file is parsed whole again, so
// diagnostics are always those of the whole file.
func parseFile(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	return parsePieces(src, filename, pieceSize)
}

func parsePieces(src []byte, filename string, size int) (*hcl.File, hcl.Diagnostics) {
	whole := func() (*hcl.File, hcl.Diagnostics) { return hclsyntax.ParseConfig(src, filename, hcl.InitialPos) }
	ends := pieceEnds(src, size)
	if len(ends) < 2 {
		return whole()
	}
	// The pieces parse at once, as many at a time as there are CPUs:
	// each knows where it starts.
	type piece struct {
		file  *hcl.File
		diags hcl.Diagnostics
	}
	pieces := make([]piece, len(ends))
	starts := make([]hcl.Pos, len(ends))
	starts[0] = hcl.InitialPos
	for i := 1; i < len(ends); i++ {
		// A piece starts on the line after the "}" that ends the one
		// before.
		prev, from := starts[i-1], ends[i-1]
		lines := bytes.Count(src[prev.Byte:from], []byte("\n"))
		starts[i] = hcl.Pos{Line: prev.Line + lines, Column: 1, Byte: from}
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range min(runtime.GOMAXPROCS(0), len(ends)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(ends); i = int(next.Add(1) - 1) {
				f, diags := hclsyntax.ParseConfig(src[starts[i].Byte:ends[i]], filename, starts[i])
				pieces[i] = piece{f, diags}
			}
		}()
	}
	wg.Wait()

	var (
		file *hcl.File
		body *hclsyntax.Body
	)
	for _, p := range pieces {
		if len(p.diags) > 0 {
			return whole()
		}
		b := p.file.Body.(*hclsyntax.Body)
		if file == nil {
			// The first piece's body becomes the file's: its navigation
			// (for the "in experiment ..." context of diagnostics) points
			// to it.
			file, body = p.file, b
			continue
		}
		for name, a := range b.Attributes {
			if _, dup := body.Attributes[name]; dup {
				return whole()
			}
			body.Attributes[name] = a
		}
		body.Blocks = append(body.Blocks, b.Blocks...)
		body.SrcRange = hcl.RangeBetween(body.SrcRange, b.SrcRange)
		body.EndRange = b.EndRange
	}
	file.Bytes = src
	return file, nil
}

// pieceEnds are the offsets at which parsePieces cuts src: just after a
// line that is a lone "}", once the piece is size long, and at the end.
func pieceEnds(src []byte, size int) []int {
	var ends []int
	from := 0
	for from+size < len(src) {
		i := bytes.Index(src[from+size:], []byte("\n}\n"))
		if i < 0 {
			break
		}
		end := from + size + i + len("\n}\n")
		ends = append(ends, end)
		from = end
	}
	if from < len(src) {
		ends = append(ends, len(src))
	}
	return ends
}
