package examples_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

// TestFmtCheck: every shipped configuration, and every HCL snippet of the
// README, is already in the canonical style, so a user who copies one and
// runs mltf fmt -check in CI sees it pass.
func TestFmtCheck(t *testing.T) {
	if r := e2e.Run(t, ".", nil, "fmt", "-check", "-diff", "-recursive"); r.Code != 0 {
		t.Errorf("mltf fmt -check -recursive over examples/: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}

	dir := t.TempDir()
	n := 0
	for _, doc := range []string{"../README.md"} {
		src, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range hclSnippet.FindAllSubmatch(src, -1) {
			name := fmt.Sprintf("%s-%d.mltf.hcl", filepath.Base(doc), i+1)
			if err := os.WriteFile(filepath.Join(dir, name), m[1], 0o644); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("found no HCL snippets in README.md")
	}
	if r := e2e.Run(t, dir, nil, "fmt", "-check", "-diff"); r.Code != 0 {
		t.Errorf("mltf fmt -check over the HCL snippets of README.md (FILE-N is the Nth snippet of FILE): exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// hclSnippet is a fenced ```hcl block of Markdown.
var hclSnippet = regexp.MustCompile("(?ms)^```hcl\n(.*?)^```")
