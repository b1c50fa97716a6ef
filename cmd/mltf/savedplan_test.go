package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

const datasetConfig = `
mltf {
  state { url = "file://.mltf/state" }
}
dataset "rows" {
  source = "data/rows.csv"
  schema {
    column "x" { type = "int64" }
  }
}
experiment "e" {
  tags = { data = dataset.rows.fingerprint }
}
`

func appendRows(t *testing.T, dir string, rows ...string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "data", "rows.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, r := range rows {
		if _, err := f.WriteString(r + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

func serial(t *testing.T, dir string) float64 {
	t.Helper()
	var st struct {
		Serial float64 `json:"serial"`
	}
	if err := json.Unmarshal([]byte(e2e.Must(t, dir, 0, "state", "pull").Stdout), &st); err != nil {
		t.Fatal(err)
	}
	return st.Serial
}

// TestSavedPlanDataChanged: data appended after plan -out is not what was
// approved, so applying the saved plan refuses before changing anything.
func TestSavedPlanDataChanged(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": datasetConfig})
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "rows.csv"), []byte("x\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	appendRows(t, dir, "2")
	e2e.Must(t, dir, 0, "plan", "-out", "p.plan")
	before := serial(t, dir)
	appendRows(t, dir, "3", "4")

	r := e2e.Must(t, dir, 1, "apply", "p.plan")
	if !strings.Contains(r.Stderr, "dataset.rows changed since the plan was made (fingerprint ") || !strings.Contains(r.Stderr, "plan again") {
		t.Errorf("apply of a plan whose data changed since:\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	}
	if after := serial(t, dir); after != before {
		t.Errorf("state serial %v -> %v: the refused apply changed the state", before, after)
	}
	show := e2e.Must(t, dir, 0, "state", "show", "dataset.rows")
	if !strings.Contains(show.Stdout, `"row_count": 1,`) || !strings.Contains(show.Stdout, `"version": 1`) {
		t.Errorf("dataset.rows is no longer version 1 with 1 row:\n%s", show.Stdout)
	}
}

// TestSavedNoOpPlan: applying a saved plan that changes nothing leaves the
// state's serial as it is.
func TestSavedNoOpPlan(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": experiments})
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	before := serial(t, dir)
	e2e.Must(t, dir, 0, "plan", "-out", "p.plan")
	r := e2e.Must(t, dir, 0, "apply", "p.plan")
	if !strings.Contains(r.Stdout, "No changes.") {
		t.Errorf("apply of a no-op plan:\n%s", r.Stdout)
	}
	if after := serial(t, dir); after != before {
		t.Errorf("state serial %v -> %v after applying a plan with no changes", before, after)
	}
}

// TestVersionFlags: version takes -json and refuses unknown flags; the
// state records the mltf version that wrote it.
func TestVersionFlags(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": experiments})
	if r := e2e.Must(t, dir, 1, "version", "-foo"); !strings.Contains(r.Stderr, "-foo") {
		t.Errorf("version -foo:\n%s", r.Stderr)
	}
	if r := e2e.Must(t, dir, 1, "runs", "show", "-foo", "x"); !strings.Contains(r.Stderr, "mltf runs show has no option -foo") || !strings.Contains(r.Stderr, "Usage: mltf runs show") {
		t.Errorf("a bad flag does not print the command's own usage:\n%s", r.Stderr)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(e2e.Must(t, dir, 0, "version", "-json").Stdout), &v); err != nil || v["format_version"] != "1.0" || v["mltf_version"] == "" {
		t.Errorf("version -json: %v (%v)", v, err)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	var st map[string]any
	if err := json.Unmarshal([]byte(e2e.Must(t, dir, 0, "state", "pull").Stdout), &st); err != nil || st["mltf_version"] == "" {
		t.Errorf("state pull: mltf_version %q (%v)", st["mltf_version"], err)
	}
}

// TestMisspelledCommand: a misspelled command says so, with the command
// meant, and exits 127.
func TestMisspelledCommand(t *testing.T) {
	dir := t.TempDir()
	r := e2e.Must(t, dir, 127, "aply")
	if !strings.Contains(r.Stderr, `mltf has no command "aply". Did you mean "apply"?`) {
		t.Errorf("mltf aply:\n%s", r.Stderr)
	}
}

// TestProvidersLists: mltf providers names the providers the resources
// use, bundled ones included.
func TestProvidersLists(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": experiments})
	r := e2e.Must(t, dir, 0, "providers")
	if !strings.Contains(r.Stdout, "registry (bundled): experiment.base, experiment.many") {
		t.Errorf("mltf providers:\n%s", r.Stdout)
	}
}

// TestStaleSavedPlan: a saved plan made before something else was applied
// is refused with a diagnostic naming both serials, as a JSON diagnostic
// with -json, and leaves the state as it is.
func TestStaleSavedPlan(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": experiments})
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	e2e.Must(t, dir, 0, "plan", "-var", "tag=b", "-out", "b.plan")
	e2e.Must(t, dir, 0, "apply", "-auto-approve", "-var", "tag=c")
	moved := serial(t, dir)

	r := e2e.Must(t, dir, 1, "apply", "b.plan")
	want := fmt.Sprintf("The plan was made against state serial %d", int(moved)-1)
	if !strings.Contains(r.Stderr, "Error: Saved plan is stale") || !strings.Contains(r.Stderr, want) ||
		!strings.Contains(r.Stderr, fmt.Sprintf("the state is now at serial %d", int(moved))) || !strings.Contains(r.Stderr, "run mltf plan again") {
		t.Errorf("apply of a stale plan:\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	}
	if strings.Contains(r.Stdout, "Apply complete") {
		t.Errorf("the stale plan was applied:\n%s", r.Stdout)
	}

	js := e2e.Must(t, dir, 1, "apply", "-json", "b.plan")
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(js.Stdout), "\n") {
		var msg struct {
			Type       string `json:"type"`
			Diagnostic struct {
				Severity, Summary, Detail string
			} `json:"diagnostic"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			t.Fatalf("apply -json printed a line that is not JSON: %q", line)
		}
		found = found || msg.Type == "diagnostic" && msg.Diagnostic.Severity == "error" && msg.Diagnostic.Summary == "Saved plan is stale" && strings.Contains(msg.Diagnostic.Detail, want)
	}
	if !found {
		t.Errorf("apply -json of a stale plan has no diagnostic message:\nstdout:\n%s\nstderr:\n%s", js.Stdout, js.Stderr)
	}
	if after := serial(t, dir); after != moved {
		t.Errorf("state serial %v -> %v: the refused apply changed the state", moved, after)
	}
	if show := e2e.Must(t, dir, 0, "state", "show", "experiment.base").Stdout; !strings.Contains(show, "base c") {
		t.Errorf("experiment.base is no longer what the last apply made:\n%s", show)
	}
}

// TestStaleSavedPlanDeposed: a saved plan is stale when the state it was
// made against gained a deposed object at the same serial (recorded in the
// journal of an apply that was killed before it wrote its state): the plan
// does not destroy that object, so applying it would not do what it
// showed.
func TestStaleSavedPlanDeposed(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": experiments})
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	e2e.Must(t, dir, 0, "plan", "-var", "tag=b", "-out", "b.plan")
	before := serial(t, dir)

	// What a killed create_before_destroy apply leaves: the old object of
	// experiment.base kept as a deposed object, in the journal only.
	ctx := context.Background()
	s, err := store.Open(ctx, "file://.mltf/state", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Read(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	res := st.Resources["experiment.base"]
	inst := res.Instances[""].DeepCopy()
	inst.Deposed = map[string]*state.Instance{"6f1c2e0a": res.Instances[""].DeepCopy()}
	j, err := s.Journal(ctx, "default", st)
	if err != nil {
		t.Fatal(err)
	}
	j.Record(res.Addr, res.Kind, res.Name, res.Provider, "", inst)
	if err := j.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if p := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode", "-var", "tag=b").Stdout; !strings.Contains(p, "experiment.base (deposed object 6f1c2e0a) will be destroyed") {
		t.Fatalf("the deposed object is not in a new plan:\n%s", p)
	}

	r := e2e.Must(t, dir, 1, "apply", "b.plan")
	if !strings.Contains(r.Stderr, "Error: Saved plan is stale") || !strings.Contains(r.Stderr, "run mltf plan again") {
		t.Errorf("apply of a plan made before the deposed object:\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	}
	if strings.Contains(r.Stdout, "Apply complete") {
		t.Errorf("the stale plan was applied:\n%s", r.Stdout)
	}
	if after := serial(t, dir); after != before {
		t.Errorf("state serial %v -> %v: the refused apply changed the state", before, after)
	}
}

// TestSavedPlanOtherCheckout: a plan saved in one checkout of a repository
// applies from another checkout of the same commit (plan in one CI job,
// apply in the next) against shared state, and still refuses data that
// changed since the plan.
func TestSavedPlanOtherCheckout(t *testing.T) {
	// State and tracking are shared, as remote stores are in CI.
	shared := t.TempDir()
	config := strings.Replace(datasetConfig, `state { url = "file://.mltf/state" }`,
		fmt.Sprintf("state { url = %q }\n  tracking { url = %q }", "file://"+filepath.ToSlash(shared)+"/state", "sqlite://"+filepath.Join(shared, "tracking.db")), 1) +
		"output \"where\" { value = dataset.rows.path }\n"
	checkout := func() string {
		dir := workdir(t, map[string]string{"main.mltf.hcl": config})
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "data", "rows.csv"), []byte("x\n1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	a := checkout()
	e2e.Must(t, a, 0, "apply", "-auto-approve")
	appendRows(t, a, "2")
	e2e.Must(t, a, 0, "plan", "-out", "p.plan")
	plan, err := os.ReadFile(filepath.Join(a, "p.plan"))
	if err != nil {
		t.Fatal(err)
	}

	// The same commit checked out elsewhere: same files, another directory.
	b := checkout()
	appendRows(t, b, "2")
	if err := os.WriteFile(filepath.Join(b, "p.plan"), plan, 0o644); err != nil {
		t.Fatal(err)
	}
	// Data that changed since the plan is still refused from there.
	c := checkout()
	appendRows(t, c, "2", "3")
	if err := os.WriteFile(filepath.Join(c, "p.plan"), plan, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := e2e.Must(t, c, 1, "apply", "p.plan"); !strings.Contains(r.Stderr, "dataset.rows changed since the plan was made (fingerprint ") {
		t.Errorf("apply of the saved plan with other data:\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	}

	r := e2e.Must(t, b, 0, "apply", "p.plan")
	if !strings.Contains(r.Stdout, "Apply complete!") {
		t.Errorf("apply of the saved plan in another checkout:\n%s", r.Stdout)
	}
	show := e2e.Must(t, b, 0, "state", "show", "dataset.rows")
	if !strings.Contains(show.Stdout, `"row_count": 2,`) || !strings.Contains(show.Stdout, `"version": 2`) {
		t.Errorf("dataset.rows is not version 2 with 2 rows:\n%s", show.Stdout)
	}
	if where := e2e.Must(t, b, 0, "output", "-raw", "where").Stdout; where != "data/rows.csv" {
		t.Errorf("dataset.rows.path is %q, want the path relative to the configuration: data/rows.csv", where)
	}
	// The other checkout plans no change against what was applied.
	e2e.Must(t, a, 0, "plan", "-detailed-exitcode")
}
