package funcs

import (
	"os"
	"strings"
	"testing"
)

// TestDocsListEveryFunction keeps docs/functions.md in step with the table.
func TestDocsListEveryFunction(t *testing.T) {
	doc, err := os.ReadFile("../../docs/functions.md")
	if err != nil {
		t.Skipf("docs/functions.md not found: %v", err)
	}
	for name := range Functions(".", false) {
		if !strings.Contains(string(doc), "`"+name+"(") && !strings.Contains(string(doc), ", `"+name+"(") {
			t.Errorf("docs/functions.md does not describe %s", name)
		}
	}
}
