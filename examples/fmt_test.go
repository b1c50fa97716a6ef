package examples_test

import (
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

// TestFmtCheck: every shipped configuration is already in the canonical
// style, so a user who copies one and runs mltf fmt -check in CI sees it
// pass. The HCL snippets of README.md and docs/ are held to the same
// layout by lang/format's TestDocsSnippetsCanonical.
func TestFmtCheck(t *testing.T) {
	if r := e2e.Run(t, ".", nil, "fmt", "-check", "-diff", "-recursive"); r.Code != 0 {
		t.Errorf("mltf fmt -check -recursive over examples/: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}
