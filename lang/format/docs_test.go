package format

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// hclSnippet is a fenced ```hcl block of Markdown.
var hclSnippet = regexp.MustCompile("(?ms)^```hcl\n(.*?)^```")

// TestDocsSnippetsCanonical: every ```hcl snippet of the README and of
// docs/*.md parses and is in the layout mltf fmt writes, so a user who
// copies one gets a file that mltf fmt -check accepts. With -update it
// rewrites the snippets that parse in that layout.
func TestDocsSnippetsCanonical(t *testing.T) {
	docs, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, "../../README.md")
	n := 0
	for _, doc := range docs {
		src, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel("../..", doc)
		var fixed []byte
		last := 0
		for _, m := range hclSnippet.FindAllSubmatchIndex(src, -1) {
			n++
			line := 1 + bytes.Count(src[:m[2]], []byte("\n"))
			where := fmt.Sprintf("%s:%d", name, line)
			snippet := src[m[2]:m[3]]
			out, diags := Source(snippet, where)
			if diags.HasErrors() {
				t.Errorf("the snippet at %s does not parse (lines count from the snippet's first): %s", where, diags.Error())
				continue
			}
			fixed = append(append(fixed, src[last:m[2]]...), out...)
			last = m[3]
			if !bytes.Equal(out, snippet) && !*update {
				t.Errorf("the snippet at %s is not as mltf fmt writes it:\n%s", where, UnifiedDiff(where, where+" (formatted)", snippet, out))
			}
		}
		if *update && fixed != nil {
			fixed = append(fixed, src[last:]...)
			if err := os.WriteFile(doc, fixed, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n < 15 {
		t.Fatalf("found %d HCL snippets in README.md and docs/*.md; the pattern no longer matches them", n)
	}
}
