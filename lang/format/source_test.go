package format

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

// TestSourceGolden formats each testdata/source/NAME.before.hcl and compares
// the result with NAME.after.hcl, and the diff between them with NAME.diff.
func TestSourceGolden(t *testing.T) {
	befores, err := filepath.Glob("testdata/source/*.before.hcl")
	if err != nil || len(befores) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, before := range befores {
		name := strings.TrimSuffix(filepath.Base(before), ".before.hcl")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(before)
			if err != nil {
				t.Fatal(err)
			}
			filename := name + ".mltf.hcl"
			got, diags := Source(src, filename)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			gotDiff := UnifiedDiff("old/"+filename, "new/"+filename, src, got)
			golden(t, strings.TrimSuffix(before, ".before.hcl")+".after.hcl", got)
			golden(t, strings.TrimSuffix(before, ".before.hcl")+".diff", []byte(gotDiff))

			again, diags := Source(got, filename)
			if diags.HasErrors() {
				t.Fatalf("formatted output does not parse: %s", diags.Error())
			}
			if diff := cmp.Diff(string(got), string(again)); diff != "" {
				t.Errorf("formatting is not idempotent (-once +twice):\n%s", diff)
			}
		})
	}
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); run go test -update if the change is right:\n%s", path, diff)
	}
}

var errorMarker = regexp.MustCompile(`# ERROR: (.+)$`)

// TestSourceErrors checks each testdata/errors file: every line marked
// "# ERROR: <summary>" has an error with that summary starting on it, and
// no formatted output comes back.
func TestSourceErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.mltf.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error fixtures: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out, diags := Source(src, path)
			if !diags.HasErrors() {
				t.Fatalf("no error for %s", path)
			}
			if out != nil {
				t.Errorf("Source returned output for a file with errors:\n%s", out)
			}
			for _, d := range diags {
				if d.Subject == nil || d.Subject.Filename != path {
					t.Errorf("diagnostic %q has no position in %s", d.Summary, path)
				}
			}
			for i, line := range strings.Split(string(src), "\n") {
				m := errorMarker.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				if !hasErrorAt(diags, i+1, m[1]) {
					t.Errorf("line %d: no %q error; got:\n%s", i+1, m[1], diags.Error())
				}
			}
		})
	}
}

func hasErrorAt(diags hcl.Diagnostics, line int, summary string) bool {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Subject != nil && d.Subject.Start.Line == line && d.Summary == summary {
			return true
		}
	}
	return false
}

func TestSourceErrorText(t *testing.T) {
	_, diags := Source([]byte("a = [1,,2]\n"), "main.mltf.hcl")
	if got := diags.Error(); !strings.HasPrefix(got, "main.mltf.hcl:1,8-9: Invalid expression") {
		t.Errorf("diags.Error() = %q, want it to start with file:line,col and the summary", got)
	}
}
