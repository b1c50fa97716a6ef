package examples_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

// TestNewData is examples/new-data as a test: new rows arrive, the plan
// replaces the training because of the data, and the gates decide where
// production goes; then a mislabeled batch arrives and the gates keep
// production where it is.
func TestNewData(t *testing.T) {
	env := e2e.Torch(t)
	root := t.TempDir()
	e2e.CopyInto(t, "new-data", filepath.Join(root, "new-data"))
	e2e.CopyInto(t, filepath.Join("quickstart", "src"), filepath.Join(root, "quickstart", "src"))
	dir := filepath.Join(root, "new-data")
	more := quickstartRows(t)[600:] // the rows new-data does not have yet

	e2e.RunEnv(t, dir, env, 0, "init")
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	ds := e2e.RunEnv(t, dir, env, 0, "datasets", "show", "digits")
	for _, want := range []string{"version      1", "rows         600", "Statistics:", "label"} {
		if !strings.Contains(ds.Stdout, want) {
			t.Errorf("datasets show lacks %q:\n%s", want, ds.Stdout)
		}
	}
	v1 := modelVersion(t, dir, env, "digits:1")
	if !gatesHold(v1, nil) {
		t.Fatalf("version 1 has accuracy %g, below the production bar: the example needs a first version in production", v1)
	}
	if got := production(t, dir, env); got != 1 {
		t.Fatalf("after the first apply production is %d, want 1", got)
	}

	// New rows arrive.
	appendRows(t, filepath.Join(dir, "data", "digits.csv"), more)
	plan := e2e.RunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	for _, want := range []string{
		"dataset.digits will be updated in-place",
		"version 1 -> 2",
		"training.mlp must be replaced",
		"because data.train fingerprint",
		"model.digits will be updated in-place",
		"because new version from training.mlp (gates evaluated at apply)",
		"Plan: 1 to add, 2 to change, 1 to destroy.",
	} {
		if !strings.Contains(plan.Stdout, want) {
			t.Fatalf("the plan after new data lacks %q:\n%s", want, plan.Stdout)
		}
	}
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	v2 := modelVersion(t, dir, env, "digits:2")
	want := int64(1)
	if gatesHold(v2, &v1) {
		want = 2
	}
	if got := production(t, dir, env); got != want {
		t.Fatalf("production is %d, want %d by the gates (version 1 accuracy %g, version 2 %g)", got, want, v1, v2)
	}

	// A mislabeled batch arrives: the gates refuse version 3.
	var bad []string
	for _, r := range more[:900] {
		i := strings.LastIndexByte(r, ',')
		label, _ := strconv.Atoi(r[i+1:])
		bad = append(bad, r[:i+1]+strconv.Itoa((label+3)%10))
	}
	appendRows(t, filepath.Join(dir, "data", "digits.csv"), bad)
	apply := e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	v3 := modelVersion(t, dir, env, "digits:3")
	current := v1
	if want == 2 {
		current = v2
	}
	if gatesHold(v3, &current) {
		t.Fatalf("version 3, trained on mislabeled rows, passes the gates with accuracy %g", v3)
	}
	if got := production(t, dir, env); got != want {
		t.Fatalf("production moved to %d after a refused version; want it to stay at %d", got, want)
	}
	for _, w := range []string{"Warning: model.digits: Alias production stays at", "version 3 did not pass its gates", "accuracy below the production bar of 0.9"} {
		if !strings.Contains(apply.Stdout+apply.Stderr, w) {
			t.Errorf("apply output lacks %q:\n%s\n%s", w, apply.Stdout, apply.Stderr)
		}
	}
	hist := e2e.RunEnv(t, dir, env, 0, "models", "history", "digits")
	if !strings.Contains(hist.Stdout, "stays at") || !strings.Contains(hist.Stdout, "v3 gate 0 FAILS") {
		t.Errorf("models history:\n%s", hist.Stdout)
	}
	e2e.RunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
}

// gatesHold is the example's two gates.
func gatesHold(candidate float64, current *float64) bool {
	return candidate >= 0.9 && (current == nil || candidate >= *current-0.01)
}

// modelVersion returns the accuracy of a model version.
func modelVersion(t *testing.T, dir string, env []string, ref string) float64 {
	t.Helper()
	r := e2e.RunEnv(t, dir, env, 0, "models", "show", "-json", ref)
	var v struct{ Metrics map[string]float64 }
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil {
		t.Fatalf("models show -json %s: %v\n%s", ref, err, r.Stdout)
	}
	acc, ok := v.Metrics["accuracy"]
	if !ok {
		t.Fatalf("version %s has no accuracy: %v", ref, v.Metrics)
	}
	return acc
}

// production is the version the production alias points at, 0 for none.
func production(t *testing.T, dir string, env []string) int64 {
	t.Helper()
	r := e2e.RunEnv(t, dir, env, 0, "output", "-raw", "production")
	n, err := strconv.ParseInt(strings.TrimSpace(r.Stdout), 10, 64)
	if err != nil {
		t.Fatalf("output production: %q", r.Stdout)
	}
	return n
}

// quickstartRows are the data rows of the quickstart's digits.csv.
func quickstartRows(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("quickstart", "data", "digits.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[1:]
}

func appendRows(t *testing.T, path string, rows []string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(rows, "\n") + "\n"); err != nil {
		t.Fatal(err)
	}
}
