package lang

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// blocks is n small top-level blocks, the shape of a large configuration.
func blocks(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "experiment \"e%d\" {\n  description = \"${var.tag}-%d\"\n  tags = { parent = experiment.e%d.id }\n}\n", i, i, max(i-1, 0))
	}
	return b.String()
}

// TestParsePiecesIsParseConfig checks that parsing in pieces gives exactly
// the file, body, ranges and diagnostics of parsing the whole file, for
// pieces of every size down to one block, including where a line that is
// a lone "}" is not the end of a top-level block.
func TestParsePiecesIsParseConfig(t *testing.T) {
	tests := map[string]string{
		"blocks":            blocks(40),
		"leading comment":   "# top\n/* more */\n" + blocks(10),
		"attributes":        "a = 1\n" + blocks(5) + "b = {\n}\n" + blocks(5) + "c = 3\n",
		"no final newline":  blocks(10) + "x = 1",
		"byte order mark":   "\ufeff" + blocks(10),
		"crlf":              strings.ReplaceAll(blocks(10), "\n", "\r\n"),
		"heredoc":           blocks(5) + "x = <<EOT\n}\ny = 1\n}\nEOT\n" + blocks(5),
		"indented heredoc":  blocks(5) + "locals {\n  x = <<-EOT\n}\n  EOT\n}\n" + blocks(5),
		"block comment":     blocks(5) + "/*\n}\nz = 1\n}\n*/\n" + blocks(5),
		"template":          blocks(5) + "x = \"${ {\n}\n}\"\n" + blocks(5),
		"parentheses":       blocks(5) + "x = (\n{\n}\n)\n" + blocks(5),
		"attribute twice":   "a = 1\n" + blocks(5) + "a = 2\n" + blocks(5),
		"block redefined":   blocks(5) + blocks(5),
		"syntax error late": blocks(8) + "experiment \"bad\" {\n  x = \n}\n" + blocks(2),
		"unclosed block":    blocks(8) + "experiment \"open\" {\n",
		"stray brace":       blocks(4) + "}\n" + blocks(4),
		"multibyte":         blocks(3) + "x = \"é→👍\"\n}\n" + blocks(3),
	}
	// And every configuration file in the repository.
	root := filepath.Join("..")
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".mltf.hcl") {
			if b, err := os.ReadFile(path); err == nil {
				tests[path] = string(b)
			}
		}
		return nil
	})
	if len(tests) < 40 {
		t.Fatalf("found only %d configurations to compare", len(tests))
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			want, wantDiags := hclsyntax.ParseConfig([]byte(src), "main.mltf.hcl", hcl.InitialPos)
			for _, size := range []int{1, 16, 100, 1000, pieceSize} {
				got, gotDiags := parsePieces([]byte(src), "main.mltf.hcl", size)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("pieces of %d: the file differs from ParseConfig's", size)
				}
				if fmt.Sprint(gotDiags) != fmt.Sprint(wantDiags) {
					t.Fatalf("pieces of %d: diagnostics\n%v\nParseConfig's:\n%v", size, gotDiags, wantDiags)
				}
			}
		})
	}
}

// TestParseFileCutsLargeFiles checks that a large file is parsed in
// pieces at all, so that the test above compares something.
func TestParseFileCutsLargeFiles(t *testing.T) {
	src := []byte(blocks(1000))
	if n := len(pieceEnds(src, pieceSize)); n < 10 {
		t.Fatalf("%d pieces for %d bytes", n, len(src))
	}
}
