package plan_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mltf/mltf/internal/golden"
)

// tempDir matches the temporary directories a test's configuration is
// loaded from.
var tempDir = regexp.MustCompile(regexp.QuoteMeta(os.TempDir()) + `/TestConstructDiagnostics[^/\s]*/[0-9]+`)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the diagnostics mltf gives now")

// TestConstructDiagnostics pins what a user reads for the mistakes of each
// construct of the language: testdata/constructs holds one configuration
// per construct (block kinds, settings, variables, locals, outputs,
// providers, references, count and for_each, depends_on, lifecycle,
// functions, each kind's body), and NAME.golden next to it the
// diagnostics mltf validate gives for it, rendered as people see them
// (file:line:column, the source line, summary and detail). A change in a
// diagnostic shows in review as a change of its golden file:
//
//	go test ./plan -run TestConstructDiagnostics -update
//
// Loading (lang) stops at its own errors before references are checked,
// so a construct whose mistakes belong to both has two configurations.
func TestConstructDiagnostics(t *testing.T) {
	// One configuration per construct.
	eachConfig(t, "testdata/constructs", 20, func(t *testing.T, path string, src []byte) {
		diags := validateSource(t, filepath.Base(path), src)
		if !diags.HasErrors() {
			t.Errorf("%s gives no error: every construct file holds mistakes", path)
		}
		// Messages that name the configuration directory name a
		// temporary one.
		out := tempDir.ReplaceAllString(renderDiagnostics(filepath.Base(path), src, diags), "CONFIG_DIR")
		golden.Check(t, strings.TrimSuffix(path, ".mltf.hcl")+".golden", out, *update)
	})
}

// renderDiagnostics renders diags in source order with hcl's text writer,
// as mltf validate prints them, without colour and at a fixed width.
func renderDiagnostics(name string, src []byte, diags hcl.Diagnostics) string {
	f, _ := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	sorted := append(hcl.Diagnostics(nil), diags...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if (a.Subject == nil) != (b.Subject == nil) {
			return a.Subject == nil
		}
		if a.Subject != nil && a.Subject.Start.Byte != b.Subject.Start.Byte {
			return a.Subject.Start.Byte < b.Subject.Start.Byte
		}
		return a.Summary < b.Summary
	})
	var out strings.Builder
	fmt.Fprintf(&out, "%d diagnostics\n", len(sorted))
	w := hcl.NewDiagnosticTextWriter(&out, map[string]*hcl.File{name: f}, 100, false)
	for _, d := range sorted {
		w.WriteDiagnostic(d)
	}
	return out.String()
}
