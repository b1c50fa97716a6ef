package plan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/data"
	"github.com/mltf/mltf/providers/local"
	"github.com/mltf/mltf/providers/registry"
)

// bundledNames are the providers bundledFactory starts.
var bundledNames = []string{"registry", "local", "data"}

func bundledFactory(name string) (providers.Interface, error) {
	switch name {
	case "registry":
		return registry.New(), nil
	case "local":
		return local.New(), nil
	case "data":
		return data.New(), nil
	}
	return nil, fmt.Errorf("no provider named %q", name)
}

var errorMarker = regexp.MustCompile(`#\s*ERROR:\s*(.+)$`)

// TestInvalidCatalogue loads each configuration in testdata/invalid, which
// marks every line that must fail with "# ERROR: <summary>", and checks
// that exactly those lines get an error diagnostic with that summary.
// "# ERROR: <summary> | <text>" also wants <text> in the diagnostic's
// detail (a "did you mean", the list of what there is).
func TestInvalidCatalogue(t *testing.T) {
	eachConfig(t, "testdata/invalid", 40, func(t *testing.T, path string, src []byte) {
		want := map[int]string{}
		wantDetail := map[int]string{}
		for i, line := range strings.Split(string(src), "\n") {
			if m := errorMarker.FindStringSubmatch(line); m != nil {
				summary, detail, _ := strings.Cut(m[1], " | ")
				want[i+1] = strings.TrimSpace(summary)
				wantDetail[i+1] = strings.TrimSpace(detail)
			}
		}
		if len(want) == 0 {
			t.Fatal("no # ERROR: marker")
		}
		diags := validateSource(t, filepath.Base(path), src)
		got := map[int][]string{}
		details := map[int][]string{}
		for _, d := range diags {
			if d.Severity != hcl.DiagError {
				continue
			}
			line := 0
			if d.Subject != nil {
				line = d.Subject.Start.Line
			}
			got[line] = append(got[line], d.Summary)
			details[line] = append(details[line], d.Detail)
		}
		for line, summary := range want {
			if !containsSummary(got[line], summary) {
				t.Errorf("line %d: want an error %q, got %q (all errors: %s)", line, summary, got[line], describe(got))
			}
			if d := wantDetail[line]; d != "" && !containsSummary(details[line], d) {
				t.Errorf("line %d: want %q in the detail, got %q", line, d, details[line])
			}
		}
		for line, sums := range got {
			if _, ok := want[line]; !ok {
				t.Errorf("line %d: unexpected errors %q", line, sums)
			}
		}
	})
}

// eachConfig runs test on every configuration dir/*.mltf.hcl, as a subtest
// named by the file, with the file's source; dir must hold at least
// atLeast of them.
func eachConfig(t *testing.T, dir string, atLeast int, test func(t *testing.T, path string, src []byte)) {
	files, err := filepath.Glob(filepath.Join(dir, "*.mltf.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < atLeast {
		t.Fatalf("%s holds %d configurations; it must hold at least %d", dir, len(files), atLeast)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".mltf.hcl"), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			test(t, path, src)
		})
	}
}

func containsSummary(got []string, want string) bool {
	for _, g := range got {
		if strings.Contains(g, want) {
			return true
		}
	}
	return false
}

func describe(got map[int][]string) string {
	var lines []int
	for l := range got {
		lines = append(lines, l)
	}
	sort.Ints(lines)
	var parts []string
	for _, l := range lines {
		parts = append(parts, fmt.Sprintf("%d:%q", l, got[l]))
	}
	return strings.Join(parts, " ")
}

func validateSource(t *testing.T, name string, src []byte) hcl.Diagnostics {
	t.Helper()
	cfg, diags := lang.LoadSources(t.TempDir(), map[string][]byte{name: src}, lang.BuiltinKinds)
	if diags.HasErrors() {
		return diags
	}
	provs := plan.NewProviders(bundledFactory, providers.Settings{WorkDir: t.TempDir()}).Offer(bundledNames...)
	defer provs.Close()
	return append(diags, plan.Validate(context.Background(), cfg, provs)...)
}

// TestProviderConfigureErrorAtEachResource: a provider that cannot be
// configured fails every resource it serves, each error at that resource's
// block, once (the provider's cached diagnostics are not rewritten by the
// first resource, nor by several resources at once).
func TestProviderConfigureErrorAtEachResource(t *testing.T) {
	src := []byte("experiment \"a\" {}\nexperiment \"b\" {}\nexperiment \"c\" {}\n")
	cfg, diags := lang.LoadSources(t.TempDir(), map[string][]byte{"main.mltf.hcl": src}, lang.BuiltinKinds)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	provs := plan.NewProviders(bundledFactory, providers.Settings{WorkDir: t.TempDir(), TrackingURL: "mysql://db/x"})
	defer provs.Close()
	_, diags = plan.Plan(context.Background(), cfg, nil, provs, plan.Options{Parallelism: 3})
	var lines []int
	for _, d := range diags {
		if d.Severity != hcl.DiagError || d.Subject == nil {
			t.Errorf("diagnostic %q without a place", d.Summary)
			continue
		}
		lines = append(lines, d.Subject.Start.Line)
	}
	sort.Ints(lines)
	if fmt.Sprint(lines) != "[1 2 3]" {
		t.Errorf("errors on lines %v, want one on each resource's line [1 2 3]: %s", lines, diags.Error())
	}
}
