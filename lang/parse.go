package lang

import (
	"bytes"

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
	var (
		file  *hcl.File
		body  *hclsyntax.Body
		start = hcl.InitialPos
		from  = 0
	)
	for _, end := range ends {
		f, diags := hclsyntax.ParseConfig(src[from:end], filename, start)
		if len(diags) > 0 {
			return whole()
		}
		b := f.Body.(*hclsyntax.Body)
		if file == nil {
			// The first piece's body becomes the file's: its navigation
			// (for the "in experiment ..." context of diagnostics) points
			// to it.
			file, body = f, b
		} else {
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
		// The next piece starts on the line after the "}".
		start = hcl.Pos{Line: start.Line + bytes.Count(src[from:end], []byte("\n")), Column: 1, Byte: end}
		from = end
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
