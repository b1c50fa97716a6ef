package mltf_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/mltf/mltf"

// bundled are the providers the mltf binary serves. Each is a backend of
// its own: none imports another.
var bundled = []string{"providers/local", "providers/kubernetes", "providers/registry", "providers/data"}

// forbidden lists, for package path prefixes, the prefixes they must not
// import, directly or not: the arrows of docs/architecture.md.
var forbidden = []struct {
	pkg     string
	mustNot []string
}{
	{"lang", []string{"plan", "state", "providers", "cmd"}},
	{"state", []string{"plan", "providers", "cmd", "lang", "kinds"}},
	{"providers", []string{"plan", "cmd", "state/store"}},
	{"kinds", append([]string{"plan", "cmd", "state/store"}, bundled...)},
	{"cmd/internal", []string{"cmd/mltf", "providers/kubernetes", "providers/data"}},
	// The providers with the largest dependencies are executables of
	// their own (cmd/mltf-provider-NAME), which mltf starts from beside
	// it: every run of mltf would load them otherwise.
	{"cmd/mltf", []string{"providers/kubernetes", "providers/data"}},
	{"examples", []string{"plan", "cmd"}},
}

// allowed lists, for packages (exactly), every package of the module they
// may import, directly or not. A new import of such a package is a design
// decision: add it here and to docs/architecture.md together.
var allowed = []struct {
	pkg string
	may []string
}{
	// The kind table is data that every layer reads.
	{"kinds", nil},
	{"lang", []string{"kinds", "lang/schema", "lang/funcs"}},
	// The engine sees the language, the state document and the provider
	// interface; never a store, a transport or a provider.
	{"plan", []string{"kinds", "lang", "lang/schema", "lang/funcs", "state", "providers"}},
	{"providers", []string{"lang/schema"}},
}

// deps maps each package of the module, relative to it, to the packages
// of the module it imports, directly or not.
func deps(t *testing.T) map[string][]string {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Deps " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	ret := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, all, _ := strings.Cut(line, ":")
		var own []string
		for _, d := range strings.Fields(all) {
			if strings.HasPrefix(d, module+"/") {
				own = append(own, strings.TrimPrefix(d, module+"/"))
			}
		}
		ret[strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")] = own
	}
	return ret
}

// under reports whether pkg is prefix or a package below it.
func under(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }

func TestImportArrows(t *testing.T) {
	checked := 0
	for pkg, ds := range deps(t) {
		for _, rule := range forbidden {
			if !under(pkg, rule.pkg) {
				continue
			}
			checked++
			for _, dep := range ds {
				for _, bad := range rule.mustNot {
					if under(dep, bad) {
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

func TestImportAllowlists(t *testing.T) {
	all := deps(t)
	for _, rule := range allowed {
		ds, ok := all[rule.pkg]
		if !ok {
			t.Errorf("package %s is gone; update the allowlist", rule.pkg)
			continue
		}
		may := map[string]bool{}
		for _, m := range rule.may {
			may[m] = true
		}
		for _, dep := range ds {
			if !may[dep] {
				t.Errorf("%s imports %s, which is not on its allowlist in arch_test.go", rule.pkg, dep)
			}
		}
	}
}

// TestBundledProvidersApart checks that no bundled provider imports
// another: what two share lives in a package of its own.
func TestBundledProvidersApart(t *testing.T) {
	found := 0
	for pkg, ds := range deps(t) {
		for _, p := range bundled {
			if !under(pkg, p) {
				continue
			}
			found++
			for _, dep := range ds {
				for _, other := range bundled {
					if other != p && under(dep, other) {
						t.Errorf("%s imports %s: a bundled provider never imports another", pkg, dep)
					}
				}
			}
		}
	}
	if found < len(bundled) {
		t.Fatalf("found %d packages of the %d bundled providers; the layout changed?", found, len(bundled))
	}
}
