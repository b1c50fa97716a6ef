package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/e2e"
)

// stepScript is every step of the test pipelines: it appends its step's
// name to RUNS_LOG, concatenates its inputs (sorted by name) with a
// suffix from its params (after sleeping params.sleep seconds) and writes them to each of its outputs. While a
// file RUNS_LOG.fail-STEP exists, it prints a line and exits 3; it exits 4
// once when RUNS_LOG.fail-once-STEP exists, removing it.
const stepScript = `import json, os, sys, time
step = os.environ["MLTF_STEP"]
with open(os.environ["RUNS_LOG"], "a") as f:
    f.write(step + "\n")
with open(os.environ["RUNS_LOG"] + ".scheduled", "a") as f:
    f.write("%s %s\n" % (step, os.environ.get("MLTF_SCHEDULED_TIME", "-")))
once = os.environ["RUNS_LOG"] + ".fail-once-" + step
if os.path.exists(once):
    os.remove(once)
    sys.exit(4)
if os.path.exists(os.environ["RUNS_LOG"] + ".fail-" + step):
    print("%s cannot go on: bad row 7" % step, flush=True)
    sys.exit(3)
p = json.loads(os.environ["MLTF_PARAMS"])
time.sleep(p.get("sleep", 0))
data = ""
for k in sorted(k for k in os.environ if k.startswith("MLTF_INPUT_")):
    data += open(os.environ[k]).read()
data += p.get("suffix", "")
for o in p["outputs"]:
    with open(os.path.join(os.environ["MLTF_OUTPUT_DIR"], o), "w") as f:
        f.write(data)
`

// etlHeader opens the test pipelines: a pool, the dataset raw and the
// pipeline etl, whose steps follow.
const etlHeader = `cluster "dev" {
  pool "cpu" { slots = 2 }
}
dataset "raw" {
  source = "data/raw.csv"
  format = "csv"
}
pipeline "etl" {
  pool = cluster.dev.pool.cpu
`

// pipelineConfig is a pipeline of four steps: a reads raw.csv, b reads a,
// c reads b, d reads raw.csv; features is a dataset made from c's output.
func pipelineConfig(runs string) string {
	step := func(name, inputs, out string) string {
		return fmt.Sprintf(`  step %q {
    code    = "./src/%s"
    command = ["/usr/bin/python3", "step.py"]
    env     = { RUNS_LOG = %q }
    params  = { outputs = [%q] }
    inputs  = %s
    outputs = [%q]
  }
`, name, name, runs, out, inputs, out)
	}
	return etlHeader + step("a", `{ raw = dataset.raw }`, "a.csv") +
		step("b", `{ a = step.a.outputs["a.csv"] }`, "b.csv") +
		step("c", `{ b = step.b.outputs["b.csv"] }`, "c.csv") +
		step("d", `{ raw = dataset.raw }`, "d.csv") + `}
dataset "features" {
  source = pipeline.etl.outputs["c.c.csv"]
  format = "csv"
}
output "features_rows" { value = dataset.features.row_count }
`
}

func pipelineDir(t *testing.T) (dir, runs string) {
	t.Helper()
	runs = filepath.Join(t.TempDir(), "runs.log")
	dir = workdir(t, map[string]string{"main.mltf.hcl": pipelineConfig(runs)})
	for _, s := range []string{"a", "b", "c", "d"} {
		writeFile(t, filepath.Join(dir, "src", s, "step.py"), stepScript)
	}
	writeFile(t, filepath.Join(dir, "data", "raw.csv"), "x,y\n1,2\n3,4\n")
	e2e.Must(t, dir, 0, "init")
	return dir, runs
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ranSince returns the steps that ran since the log had n lines, sorted,
// and the log's length now.
func ranSince(t *testing.T, runs string, n int) ([]string, int) {
	t.Helper()
	b, _ := os.ReadFile(runs)
	lines := strings.Fields(string(b))
	got := append([]string(nil), lines[n:]...)
	sort.Strings(got)
	return got, len(lines)
}

func TestPipelineStepCache(t *testing.T) {
	dir, runs := pipelineDir(t)
	plan := e2e.Must(t, dir, 0, "plan").Stdout
	for _, want := range []string{"because step a: new step", "because step b: runs because a's output will change", "because step d: new step"} {
		if !strings.Contains(plan, want) {
			t.Errorf("first plan lacks %q:\n%s", want, plan)
		}
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	got, n := ranSince(t, runs, 0)
	if strings.Join(got, " ") != "a b c d" {
		t.Fatalf("first apply ran %v", got)
	}
	if out := e2e.Must(t, dir, 0, "output", "features_rows").Stdout; strings.TrimSpace(out) != "2" {
		t.Errorf("the dataset made from step c's output has %s rows, want 2", out)
	}
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")

	// Changing b's code reruns exactly b and what reads from it.
	writeFile(t, filepath.Join(dir, "src", "b", "step.py"), stepScript+"# b reads a\n")
	plan = e2e.Must(t, dir, 2, "plan", "-detailed-exitcode").Stdout
	for _, want := range []string{"because step b: code changed (1 file)", "because step c: runs because b's output will change"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan after b's code changed lacks %q:\n%s", want, plan)
		}
	}
	if strings.Contains(plan, "step a:") || strings.Contains(plan, "step d:") {
		t.Errorf("plan after b's code changed touches a or d:\n%s", plan)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	// b's output came out byte-identical: c's key did not change, so the
	// cascade stopped at b.
	if got, n = ranSince(t, runs, n); strings.Join(got, " ") != "b" {
		t.Fatalf("after b's code changed without changing its output, ran %v; want b", got)
	}
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")

	// A change of b's output reruns b and c, and the dataset changes.
	cfg := strings.Replace(pipelineConfig(runs), `params  = { outputs = ["b.csv"] }`, `params  = { outputs = ["b.csv"], suffix = "5,6\n" }`, 1)
	writeFile(t, filepath.Join(dir, "main.mltf.hcl"), cfg)
	plan = e2e.Must(t, dir, 2, "plan", "-detailed-exitcode").Stdout
	if !strings.Contains(plan, `because step b: params.suffix added ("5,6\n")`) {
		t.Errorf("plan after b's params changed:\n%s", plan)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if got, n = ranSince(t, runs, n); strings.Join(got, " ") != "b c" {
		t.Fatalf("after b's params changed, ran %v; want b c", got)
	}
	if out := e2e.Must(t, dir, 0, "output", "features_rows").Stdout; strings.TrimSpace(out) != "3" {
		t.Errorf("the dataset has %s rows after b's change, want 3", out)
	}

	// Back to the first params: every key is cached, nothing runs.
	writeFile(t, filepath.Join(dir, "main.mltf.hcl"), pipelineConfig(runs))
	plan = e2e.Must(t, dir, 2, "plan", "-detailed-exitcode").Stdout
	if !strings.Contains(plan, "because step b: cached: same inputs as run ") {
		t.Errorf("plan back to the first params:\n%s", plan)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if got, n = ranSince(t, runs, n); len(got) != 0 {
		t.Fatalf("back to the first params, ran %v; want nothing", got)
	}

	// New raw rows rerun every step that reads them.
	writeFile(t, filepath.Join(dir, "data", "raw.csv"), "x,y\n1,2\n3,4\n7,8\n")
	plan = e2e.Must(t, dir, 2, "plan", "-detailed-exitcode").Stdout
	if !strings.Contains(plan, "because step a: input raw changed (version 1 -> 2)") {
		t.Errorf("plan after new raw rows:\n%s", plan)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if got, _ = ranSince(t, runs, n); strings.Join(got, " ") != "a b c d" {
		t.Fatalf("after new raw rows, ran %v", got)
	}
}

// A failed step stops the steps that read from it, reports its last log
// lines, and leaves the others finished and cached.
func TestPipelineFailedStep(t *testing.T) {
	dir, runs := pipelineDir(t)
	writeFile(t, runs+".fail-b", "")
	res := e2e.Run(t, dir, nil, "apply", "-auto-approve")
	if res.Code != 1 || !strings.Contains(res.Stderr, "Step failed") || !strings.Contains(res.Stderr, "b cannot go on: bad row 7") {
		t.Fatalf("apply: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	got, n := ranSince(t, runs, 0)
	if strings.Join(got, " ") != "a b d" {
		t.Fatalf("ran %v; want a b d (c reads b)", got)
	}
	show := e2e.Must(t, dir, 0, "pipelines", "show", "etl").Stdout
	for _, want := range []string{"step b failed: ", "b cannot go on: bad row 7", "step c skipped: not run: step b did not finish", "failed: 2 ran, 0 cached, 1 failed"} {
		if !strings.Contains(show, want) && !strings.Contains(e2e.Must(t, dir, 0, "pipelines", "list").Stdout, want) {
			t.Errorf("pipelines show and list lack %q:\n%s", want, show)
		}
	}
	os.Remove(runs + ".fail-b")
	plan := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode").Stdout
	if !strings.Contains(plan, "because step b: run ") || !strings.Contains(plan, " failed; runs again") ||
		strings.Contains(plan, "step a:") || strings.Contains(plan, "step d:") {
		t.Errorf("a and d finished, yet the plan runs them:\n%s", plan)
	}
	if !strings.Contains(plan, "pipeline.etl will be updated in-place") || !strings.Contains(plan, "because its last apply failed: it resumes, what finished stays") {
		t.Errorf("a failed pipeline is not resumed in place:\n%s", plan)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if got, _ = ranSince(t, runs, n); strings.Join(got, " ") != "b c" {
		t.Fatalf("after the fix, ran %v; want b c", got)
	}
}

// After kill -9 of mltf apply mid-pipeline, the next apply finishes the
// pipeline without running a finished step again: the step that was
// running is re-attached to (or read, if it ended meanwhile).
func TestPipelineResumesAfterKill(t *testing.T) {
	dir, runs := pipelineDir(t)
	cfg := strings.Replace(pipelineConfig(runs), `params  = { outputs = ["b.csv"] }`, `params  = { outputs = ["b.csv"], sleep = 4 }`, 1)
	writeFile(t, filepath.Join(dir, "main.mltf.hcl"), cfg)
	cmd := exec.Command(e2e.Binary(t), "apply", "-auto-approve")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if got, _ := ranSince(t, runs, 0); strings.Contains(strings.Join(got, " "), "b") {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("step b did not start in 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	got, _ := ranSince(t, runs, 0)
	if strings.Join(got, " ") != "a b c d" {
		t.Fatalf("steps run over both applies: %v; want each once", got)
	}
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")
}

// A step with a backoff is retried after a user error as a new run, and
// the pipeline finishes.
func TestPipelineRetryBackoff(t *testing.T) {
	dir, runs := pipelineDir(t)
	cfg := strings.Replace(pipelineConfig(runs), `outputs = ["b.csv"]
`, `outputs = ["b.csv"]
    retry {
      user_error = 1
      backoff    = "1s"
    }
`, 1)
	writeFile(t, filepath.Join(dir, "main.mltf.hcl"), cfg)
	writeFile(t, runs+".fail-once-b", "")
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if got, _ := ranSince(t, runs, 0); strings.Join(got, " ") != "a b b c d" {
		t.Fatalf("ran %v; want b twice", got)
	}
}

// mltf scheduler -once runs a scheduled pipeline for the tick due now:
// its steps see MLTF_SCHEDULED_TIME, and pipelines show lists the tick.
func TestPipelineScheduler(t *testing.T) {
	dir, runs := pipelineDir(t)
	cfg := strings.Replace(pipelineConfig(runs), "pipeline \"etl\" {\n", "pipeline \"etl\" {\n  schedule {\n    cron     = \"* * * * *\"\n    timezone = \"Europe/Berlin\"\n  }\n", 1)
	writeFile(t, filepath.Join(dir, "main.mltf.hcl"), cfg)
	out := e2e.Must(t, dir, 0, "scheduler", "-once").Stdout
	if !strings.Contains(out, "pipeline.etl: running for tick ") || !strings.Contains(out, "pipeline.etl: run of tick ") {
		t.Fatalf("scheduler:\n%s", out)
	}
	b, _ := os.ReadFile(runs + ".scheduled")
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 {
		t.Fatalf("steps ran %d times: %q", len(lines), lines)
	}
	tick := strings.Fields(lines[0])[1]
	if _, err := time.Parse(time.RFC3339, tick); err != nil {
		t.Fatalf("MLTF_SCHEDULED_TIME %q: %v", tick, err)
	}
	if show := e2e.Must(t, dir, 0, "pipelines", "show", "etl").Stdout; !strings.Contains(show, tick) {
		t.Errorf("pipelines show lacks the tick %s:\n%s", tick, show)
	}
	// The same minute again: the tick was claimed, nothing runs twice.
	if out := e2e.Must(t, dir, 0, "scheduler", "-once").Stdout; strings.Contains(out, "running for tick "+tick) {
		t.Errorf("the tick ran twice:\n%s", out)
	}
}

// mltf graph draws a pipeline's steps inside it, with an edge for each
// step's inputs: another step's output or a resource.
func TestPipelineGraph(t *testing.T) {
	dir, _ := pipelineDir(t)
	out := e2e.Must(t, dir, 0, "graph").Stdout
	for _, want := range []string{
		`subgraph "cluster_pipeline.etl"`,
		`"pipeline.etl/step/b" [label = "step/b"];`,
		`"pipeline.etl/step/b" -> "pipeline.etl/step/a";`,
		`"pipeline.etl/step/a" -> "dataset.raw";`,
		`"dataset.features" -> "pipeline.etl";`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("graph lacks %s:\n%s", want, out)
		}
	}
}

// Steps sharing one code directory rerun by their own files: each names
// its script in code_files, so changing one script reruns exactly that
// step and the steps that read from it.
func TestPipelineSharedCodeDirectory(t *testing.T) {
	runs := filepath.Join(t.TempDir(), "runs.log")
	step := func(name, script, inputs string) string {
		return fmt.Sprintf(`  step %q {
    code       = "./steps"
    code_files = [%q, "lib/*.py"]
    command    = ["/usr/bin/python3", %[2]q]
    env        = { RUNS_LOG = %[3]q }
    params     = { outputs = ["%[1]s.csv"] }
    inputs     = %[4]s
    outputs    = ["%[1]s.csv"]
  }
`, name, script, runs, inputs)
	}
	cfg := etlHeader + step("a", "a.py", `{ raw = dataset.raw }`) + step("b", "b.py", `{ a = step.a.outputs["a.csv"] }`) + step("c", "c.py", `{ raw = dataset.raw }`) + "}\n"
	dir := workdir(t, map[string]string{"main.mltf.hcl": cfg})
	for _, s := range []string{"a", "b", "c"} {
		writeFile(t, filepath.Join(dir, "steps", s+".py"), stepScript)
	}
	writeFile(t, filepath.Join(dir, "steps", "lib", "rows.py"), "# shared by every step\n")
	writeFile(t, filepath.Join(dir, "data", "raw.csv"), "x,y\n1,2\n")
	e2e.Must(t, dir, 0, "init")
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	got, n := ranSince(t, runs, 0)
	if strings.Join(got, " ") != "a b c" {
		t.Fatalf("first apply ran %v", got)
	}

	// c's script: c alone.
	writeFile(t, filepath.Join(dir, "steps", "c.py"), stepScript+"# c reads raw\n")
	plan := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode").Stdout
	if !strings.Contains(plan, "because step c: code changed (1 file)") || strings.Contains(plan, "step a:") || strings.Contains(plan, "step b:") {
		t.Errorf("plan after c.py changed:\n%s", plan)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if got, n = ranSince(t, runs, n); strings.Join(got, " ") != "c" {
		t.Fatalf("after c.py changed, ran %v; want c", got)
	}

	// a's script, changing a's output: a and b, which reads it; not c.
	writeFile(t, filepath.Join(dir, "steps", "a.py"), stepScript+`for o in p["outputs"]:
    open(os.path.join(os.environ["MLTF_OUTPUT_DIR"], o), "a").write("9,9\n")
`)
	plan = e2e.Must(t, dir, 2, "plan", "-detailed-exitcode").Stdout
	if !strings.Contains(plan, "because step a: code changed (1 file)") || !strings.Contains(plan, "because step b: runs because a's output will change") ||
		strings.Contains(plan, "step c:") {
		t.Errorf("plan after a.py changed:\n%s", plan)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if got, n = ranSince(t, runs, n); strings.Join(got, " ") != "a b" {
		t.Fatalf("after a.py changed, ran %v; want a b", got)
	}

	// A file every step names: every step.
	writeFile(t, filepath.Join(dir, "steps", "lib", "rows.py"), "# shared by every step, changed\n")
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if got, n = ranSince(t, runs, n); strings.Join(got, " ") != "a b c" {
		t.Fatalf("after lib/rows.py changed, ran %v; want a b c", got)
	}
	// A file no step names: nothing.
	writeFile(t, filepath.Join(dir, "steps", "README"), "notes\n")
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")

	// A pattern that matches nothing is the user's mistake, on code_files.
	writeFile(t, filepath.Join(dir, "main.mltf.hcl"), strings.Replace(cfg, `code_files = ["c.py"`, `code_files = ["cc.py"`, 1))
	res := e2e.Run(t, dir, nil, "plan")
	if res.Code != 1 || !strings.Contains(res.Stderr, `"cc.py" matches no file in the code directory ./steps`) || !strings.Contains(res.Stderr, "code_files") {
		t.Errorf("plan with a code_files pattern matching nothing: exit %d\n%s", res.Code, res.Stderr)
	}
}

// Two checkouts sharing an artifact store share the step cache: the
// second one's first apply takes every step's outputs from the first's
// runs and runs nothing, deciding so without downloading an input.
func TestPipelineCacheAcrossCheckouts(t *testing.T) {
	runs := filepath.Join(t.TempDir(), "runs.log")
	cfg := fmt.Sprintf("mltf {\n  artifacts { url = %q }\n}\n", "file://"+filepath.Join(t.TempDir(), "shared-artifacts")) + pipelineConfig(runs)
	checkout := func() string {
		dir := workdir(t, map[string]string{"main.mltf.hcl": cfg})
		for _, s := range []string{"a", "b", "c", "d"} {
			writeFile(t, filepath.Join(dir, "src", s, "step.py"), stepScript)
		}
		writeFile(t, filepath.Join(dir, "data", "raw.csv"), "x,y\n1,2\n3,4\n")
		e2e.Must(t, dir, 0, "init")
		return dir
	}
	first := checkout()
	e2e.Must(t, first, 0, "apply", "-auto-approve")
	_, n := ranSince(t, runs, 0)
	second := checkout()
	plan := e2e.Must(t, second, 0, "plan").Stdout
	for _, s := range []string{"a", "b", "c", "d"} {
		if !strings.Contains(plan, "because step "+s+": cached: same inputs as run ") {
			t.Errorf("the second checkout's plan does not take step %s from the cache:\n%s", s, plan)
		}
	}
	e2e.Must(t, second, 0, "apply", "-auto-approve")
	if got, _ := ranSince(t, runs, n); len(got) != 0 {
		t.Errorf("the second checkout ran %v; want nothing", got)
	}
	if out := e2e.Must(t, second, 0, "output", "features_rows").Stdout; strings.TrimSpace(out) != "2" {
		t.Errorf("the second checkout's dataset has %s rows, want 2", out)
	}
}
