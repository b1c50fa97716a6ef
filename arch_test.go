package mltf_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/mltf/mltf"

// forbidden lists, for package path prefixes, the prefixes they must not
// import, directly or not: the arrows of docs/architecture.md.
var forbidden = []struct {
	pkg     string
	mustNot []string
}{
	{"lang", []string{"/plan", "/state", "/providers", "/cmd"}},
	{"state", []string{"/plan", "/providers", "/cmd", "/lang"}},
	{"providers", []string{"/plan", "/cmd"}},
	{"plan", []string{"/cmd", "/providers/plugin", "/providers/local", "/providers/registry", "/providers/data", "/state/store", "/state/tracking"}},
	{"cmd/internal", []string{"/cmd/mltf"}},
	{"examples", []string{"/plan", "/cmd"}},
	{"kinds/sweep/search", []string{"/plan", "/state", "/providers", "/cmd", "/lang"}},
}

func TestImportArrows(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Deps " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, ":")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		for _, rule := range forbidden {
			if rel != rule.pkg && !strings.HasPrefix(rel, rule.pkg+"/") {
				continue
			}
			checked++
			for _, dep := range strings.Fields(deps) {
				for _, bad := range rule.mustNot {
					if dep == module+bad || strings.HasPrefix(dep, module+bad+"/") {
						t.Errorf("%s imports %s, against the arrows of docs/architecture.md", pkg, dep)
					}
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d packages checked; the module layout changed?", checked)
	}
}
