package main_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/e2e"
)

// trialScript is a trial's training: every rank writes its pid, rank 0
// reports a learning curve whose ceiling depends on lr and hidden. With
// FAIL_HIDDEN set, a trial with that hidden size exits 1.
const trialScript = `import json, math, os, sys, time
p = json.loads(os.environ["MLTF_PARAMS"])
rank = int(os.environ.get("RANK", "0"))
with open(os.path.join(os.environ["PIDS_DIR"], "%s-%d" % (os.environ["MLTF_RUN_ID"], rank)), "w") as f:
    f.write(str(os.getpid()))
if str(p["hidden"]) == os.environ.get("FAIL_HIDDEN"):
    sys.exit(1)
ceiling = 0.98 - 0.08 * abs(math.log10(p["lr"]) + 2) - 0.01 * (2 - p["hidden"] / 64)
for step in range(1, p["epochs"] + 1):
    time.sleep(0.05)
    if rank == 0:
        print("mltf.metric " + json.dumps({"step": step, "accuracy": ceiling * (1 - math.exp(-step / 2))}), flush=True)
`

func sweepConfig(pids string, trials, epochs int, extra string) string {
	return fmt.Sprintf(`cluster "dev" {
  pool "cpu" { slots = 4 }
}
experiment "digits" {}
sweep "digits" {
  experiment = experiment.digits
  pool       = cluster.dev.pool.cpu
  trial {
    code    = "./src"
    command = ["/usr/bin/python3", "train.py"]
    env     = { PIDS_DIR = %q }
    params  = { epochs = %d }
    distributed { procs_per_node = 2 }
  }
  param "lr"     { log_uniform = [1e-4, 0.3] }
  param "hidden" { values = [32, 64, 128] }
  objective {
    metric = "accuracy"
    goal   = "maximize"
  }
  seed     = 7
  trials   = %d
  parallel = 2
  early_stopping { rule = "asha" }
%s}
`, pids, epochs, trials, extra)
}

func sweepDir(t *testing.T, trials, epochs int, extra string) (dir, pids string) {
	t.Helper()
	pids = t.TempDir()
	dir = workdir(t, map[string]string{"main.mltf.hcl": sweepConfig(pids, trials, epochs, extra)})
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "src", "train.py"), []byte(trialScript), 0o644); err != nil {
		t.Fatal(err)
	}
	e2e.Must(t, dir, 0, "init")
	return dir, pids
}

// rankPids returns the pids the trials' ranks wrote, and how many runs
// they belong to.
func rankPids(t *testing.T, pids string) (all []int, runs int) {
	t.Helper()
	entries, _ := os.ReadDir(pids)
	seen := map[string]bool{}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(pids, e.Name()))
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			continue // being written
		}
		all = append(all, pid)
		seen[e.Name()[:strings.LastIndex(e.Name(), "-")]] = true
	}
	return all, len(seen)
}

func trialRows(show string) map[string]int {
	c := map[string]int{}
	for _, l := range strings.Split(show, "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			switch f[1] {
			case "complete", "pruned", "failed", "running":
				c[f[1]]++
			}
		}
	}
	return c
}

func TestSweepApply(t *testing.T) {
	dir, pids := sweepDir(t, 12, 9, "")
	plan := e2e.Must(t, dir, 0, "plan")
	if !strings.Contains(plan.Stdout, "sweep.digits will be created\n  #   because new sweep: 12 trials (tpe, seed 7), 2 at a time, asha") {
		t.Fatalf("plan:\n%s", plan.Stdout)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	rows := trialRows(e2e.Must(t, dir, 0, "sweeps", "show", "digits").Stdout)
	if rows["complete"]+rows["pruned"] != 12 || rows["pruned"] == 0 {
		t.Fatalf("trials by state: %v", rows)
	}
	// Every rank of every trial, pruned ones included, has exited. Rank 0
	// of each trial wrote its pid before its first metric; rank 1 of a
	// trial pruned early may have been stopped before it got that far.
	all, runs := rankPids(t, pids)
	if len(all) < 12 || len(all) > 24 || runs != 12 {
		t.Fatalf("%d rank pids of %d runs; want 12 to 24 of 12", len(all), runs)
	}
	for _, pid := range all {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("rank process %d still runs after the sweep", pid)
		}
	}
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")

	// More trials continue the study: only the new trials run.
	os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(sweepConfig(pids, 16, 9, "")), 0o644)
	plan = e2e.Must(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(plan.Stdout, "because continues study ") || !strings.Contains(plan.Stdout, ": 4 more trials (12 recorded)") {
		t.Fatalf("plan of 16 trials:\n%s", plan.Stdout)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if rows := trialRows(e2e.Must(t, dir, 0, "sweeps", "show", "digits").Stdout); rows["complete"]+rows["pruned"] != 16 {
		t.Fatalf("after continuing: %v", rows)
	}
	if _, runs := rankPids(t, pids); runs != 16 {
		t.Fatalf("%d runs for 16 trials", runs)
	}

	// A different space is a new study, and the plan says why.
	cfg := strings.Replace(sweepConfig(pids, 16, 9, ""), "[1e-4, 0.3]", "[1e-3, 0.3]", 1)
	os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(cfg), 0o644)
	plan = e2e.Must(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(plan.Stdout, "because new study (param lr: log_uniform [0.0001, 0.3] -> log_uniform [0.001, 0.3]): 16 trials (tpe, seed 7), 2 at a time, asha") {
		t.Fatalf("plan of a new space:\n%s", plan.Stdout)
	}
}

// After kill -9 of mltf apply mid-sweep, the next apply resumes: the
// trials that were running are re-attached to (or read, if they ended),
// none runs twice, and the sweep ends with all its trials.
func TestSweepResumesAfterKill(t *testing.T) {
	dir, pids := sweepDir(t, 8, 30, "")
	killApplyOnce(t, dir, "3 trials started", func() bool { _, runs := rankPids(t, pids); return runs >= 3 })
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	rows := trialRows(e2e.Must(t, dir, 0, "sweeps", "show", "digits").Stdout)
	if rows["complete"]+rows["pruned"] != 8 {
		t.Fatalf("after resuming: %v", rows)
	}
	if _, runs := rankPids(t, pids); runs != 8 {
		t.Fatalf("%d runs for 8 trials: a trial was lost or ran twice", runs)
	}
}

func TestSweepFailedBudget(t *testing.T) {
	dir, _ := sweepDir(t, 12, 3, "  max_failed = 1\n")
	cfg, _ := os.ReadFile(filepath.Join(dir, "main.mltf.hcl"))
	cfg = []byte(strings.Replace(string(cfg), "PIDS_DIR =", `FAIL_HIDDEN = "32", PIDS_DIR =`, 1))
	cfg = []byte(strings.Replace(string(cfg), "parallel = 2", "parallel = 1", 1))
	os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), cfg, 0o644)
	res := e2e.Run(t, dir, nil, "apply", "-auto-approve")
	if res.Code != 1 || !strings.Contains(res.Stderr, "Sweep failed") || !strings.Contains(res.Stderr, "2 trials failed, max_failed is 1") {
		t.Fatalf("apply: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	show := e2e.Must(t, dir, 0, "sweeps", "show", "digits").Stdout
	if rows := trialRows(show); rows["failed"] != 2 || !strings.Contains(show, "failed: ") {
		t.Fatalf("sweeps show:\n%s", show)
	}
}

// A trial whose inputs are those of a finished run, here of another sweep
// with the same space and seed, is that run: it is reused, not run again.
func TestSweepReusesFinishedRuns(t *testing.T) {
	dir, pids := sweepDir(t, 4, 3, "")
	cfg := strings.Replace(sweepConfig(pids, 4, 3, ""), `early_stopping { rule = "asha" }`, `sampler  = "random"`, 1)
	os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(cfg), 0o644)
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if _, runs := rankPids(t, pids); runs != 4 {
		t.Fatalf("%d runs for 4 trials", runs)
	}
	again := cfg[strings.Index(cfg, `sweep "digits"`):]
	cfg += "\n" + strings.Replace(again, `sweep "digits"`, `sweep "again"`, 1)
	os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(cfg), 0o644)
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if _, runs := rankPids(t, pids); runs != 4 {
		t.Fatalf("%d runs after a second sweep of the same trials; want the 4 runs reused", runs)
	}
	show := e2e.Must(t, dir, 0, "sweeps", "show", "again").Stdout
	if rows := trialRows(show); rows["complete"] != 4 || strings.Count(show, "reused)") != 4 {
		t.Fatalf("sweeps show again:\n%s", show)
	}
}

// Destroying a sweep whose trials still run (the apply that started them
// was killed) cancels them: no rank of any trial is left.
func TestSweepDestroyCancelsTrials(t *testing.T) {
	dir, pids := sweepDir(t, 4, 1000, "")
	killApplyOnce(t, dir, "2 trials of 2 ranks started", func() bool { all, _ := rankPids(t, pids); return len(all) >= 4 })
	e2e.Must(t, dir, 0, "destroy", "-auto-approve")
	ranksGone(t, pids)
}

// ranksGone fails for every rank process of pids still running (and
// kills it).
func ranksGone(t *testing.T, pids string) {
	t.Helper()
	all, _ := rankPids(t, pids)
	for _, pid := range all {
		if syscall.Kill(pid, 0) == nil {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("rank process %d still runs after destroy", pid)
		}
	}
}

// killApplyOnce starts mltf apply in dir and kills it with SIGKILL as soon
// as started() holds (within 60 s).
func killApplyOnce(t *testing.T, dir, what string, started func() bool) {
	t.Helper()
	cmd := exec.Command(e2e.Binary(t), "apply", "-auto-approve")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); !started(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("not yet %s after 60s", what)
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

// overheadConfig is a sweep of trials whose own work is one echo: what an
// apply takes beyond it is mltf's.
func overheadConfig(trials int) string {
	return fmt.Sprintf(`cluster "dev" {
  pool "cpu" { slots = 1 }
}
experiment "overhead" {}
sweep "overhead" {
  experiment = experiment.overhead
  pool       = cluster.dev.pool.cpu
  trial {
    code    = "./src"
    command = ["/bin/sh", "-c", "echo 'mltf.metric {\"step\": 1, \"accuracy\": 0.5}'"]
  }
  param "lr" { log_uniform = [1e-4, 0.3] }
  objective {
    metric = "accuracy"
    goal   = "maximize"
  }
  sampler  = "random"
  trials   = %d
  parallel = 1
}
`, trials)
}

// BenchmarkSweepTrialOverhead measures what mltf adds to each trial
// locally: an apply of a sweep of 1 trial and of 21 trials whose own work
// is one echo, one at a time; the difference over 20 is the time per
// trial (launch, supervision, the end noticed, metrics and the record
// written, the next trial asked for).
//
//	go test -run '^$' -bench SweepTrialOverhead -benchtime 5x ./cmd/mltf/
func BenchmarkSweepTrialOverhead(b *testing.B) {
	bin := e2e.Binary(b)
	apply := func(trials int) time.Duration {
		dir := b.TempDir()
		os.MkdirAll(filepath.Join(dir, "src"), 0o755)
		os.WriteFile(filepath.Join(dir, "src", "README"), []byte("no code\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(overheadConfig(trials)), 0o644)
		e2e.Must(b, dir, 0, "init")
		start := time.Now()
		cmd := exec.Command(bin, "apply", "-auto-approve")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("apply: %v\n%s", err, out)
		}
		return time.Since(start)
	}
	var per time.Duration
	for i := 0; i < b.N; i++ {
		one, many := apply(1), apply(21)
		per += (many - one) / 20
	}
	b.ReportMetric(float64(per.Milliseconds())/float64(b.N), "ms/trial")
}

// A trial is saved as running before its run starts and gets its run id
// once the run exists: destroying the sweep of an apply killed in between
// still finds the trial's run, by its inputs, and cancels it. The state
// is made as that window leaves it by removing the trials' run ids.
func TestSweepDestroyCancelsUnsavedTrials(t *testing.T) {
	dir, pids := sweepDir(t, 4, 1000, "")
	killApplyOnce(t, dir, "2 trials of 2 ranks started", func() bool { all, _ := rankPids(t, pids); return len(all) >= 4 })
	var doc map[string]any
	if err := json.Unmarshal([]byte(e2e.Must(t, dir, 0, "state", "pull").Stdout), &doc); err != nil {
		t.Fatal(err)
	}
	unsaved := 0
	for _, res := range doc["resources"].([]any) {
		res := res.(map[string]any)
		if res["kind"] != "sweep" {
			continue
		}
		for _, inst := range res["instances"].([]any) {
			inst := inst.(map[string]any)
			raw, _ := base64.StdEncoding.DecodeString(inst["private"].(string))
			var priv map[string]any
			if err := json.Unmarshal(raw, &priv); err != nil {
				t.Fatal(err)
			}
			for _, r := range priv["records"].([]any) {
				r := r.(map[string]any)
				if r["state"] == "running" && r["run_id"] != nil {
					delete(r, "run_id")
					delete(r, "locator")
					unsaved++
				}
			}
			raw, _ = json.Marshal(priv)
			inst["private"] = base64.StdEncoding.EncodeToString(raw)
		}
	}
	if unsaved == 0 {
		t.Fatalf("no running trial with a run id in the state:\n%v", doc)
	}
	edited, _ := json.Marshal(doc)
	os.WriteFile(filepath.Join(dir, "edited.json"), edited, 0o644)
	e2e.Must(t, dir, 0, "state", "push", "-force", "edited.json")
	e2e.Must(t, dir, 0, "destroy", "-auto-approve")
	ranksGone(t, pids)
}
