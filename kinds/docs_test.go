package kinds

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the kind table in docs/language.md")

const (
	docsBegin = "<!-- begin kinds table: made from kinds.Builtin by go test ./kinds -update -->"
	docsEnd   = "<!-- end kinds table -->"
)

// markdown renders the table for docs/language.md.
func markdown(t Table) string {
	var b strings.Builder
	b.WriteString("| kind | what it is | provider when the resource sets none | long-running | schema owned by |\n| --- | --- | --- | --- | --- |\n")
	for _, k := range t.Rows() {
		provider := fmt.Sprintf("`%s`", k.Provider)
		if p := k.Placement; p != nil {
			provider = fmt.Sprintf("the provider of the `%s` its `%s` refers to, else `%s`", p.Kind, p.Attribute, k.Provider)
		}
		long := ""
		if k.LongRunning {
			long = "yes"
		}
		owner := "no package yet"
		if k.Package != "" {
			owner = "`" + k.Package + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", k.Name, k.Summary, provider, long, owner)
	}
	return b.String()
}

// TestDocs keeps the kind table of docs/language.md the table of this
// package.
func TestDocs(t *testing.T) {
	path := filepath.Join("..", "docs", "language.md")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	i, j := strings.Index(doc, docsBegin), strings.Index(doc, docsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q and %q around the kind table", path, docsBegin, docsEnd)
	}
	want := docsBegin + "\n" + markdown(Builtin()) + docsEnd
	got := doc[i : j+len(docsEnd)]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(doc[:i]+want+doc[j+len(docsEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the kind table of %s is not kinds.Builtin(); run go test ./kinds -update\n\nwant:\n%s\ngot:\n%s", path, want, got)
}
