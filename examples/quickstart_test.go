package examples_test

import (
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

// TestQuickstart is the README's first command as a test: plan, apply a
// real 2-rank PyTorch training, plan again with no changes, and a changed
// param replaces exactly the training. Like a user after run.sh, it runs
// mltf by hand with the PATH it has: python.sh has named the python with
// torch in python.auto.mltfvars when the first python3 on PATH has none.
func TestQuickstart(t *testing.T) {
	e2e.Torch(t) // skips without PyTorch
	var env []string
	dir := e2e.CopyDir(t, "quickstart")
	os.Remove(filepath.Join(dir, "python.auto.mltfvars"))
	if out, err := exec.Command("bash", filepath.Join(dir, "python.sh")).CombinedOutput(); err != nil {
		t.Fatalf("python.sh: %v\n%s", err, out)
	}
	e2e.RunEnv(t, dir, env, 0, "init")
	plan := e2e.RunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(plan.Stdout, "Plan: 4 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("first plan:\n%s", plan.Stdout)
	}
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	acc := e2e.RunEnv(t, dir, env, 0, "output", "-raw", "accuracy")
	v, err := strconv.ParseFloat(acc.Stdout, 64)
	if err != nil || v < 0.9 {
		t.Fatalf("accuracy %q, want at least 0.9", acc.Stdout)
	}
	e2e.RunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")

	changed := e2e.RunEnv(t, dir, env, 2, "plan", "-detailed-exitcode", "-var", "lr=0.1")
	if !strings.Contains(changed.Stdout, "training.mlp must be replaced") || !strings.Contains(changed.Stdout, "lr") {
		t.Fatalf("plan after changing lr:\n%s", changed.Stdout)
	}
	if !strings.Contains(changed.Stdout, "Plan: 1 to add, 1 to change, 1 to destroy.") {
		t.Fatalf("a changed param must replace exactly the training (and give the model a new version):\n%s", changed.Stdout)
	}
}

// TestQuickstartRunsAndReuse checks the runs commands on a finished run,
// and that a second workspace with the same fingerprint reuses the run
// instead of training again.
func TestQuickstartRunsAndReuse(t *testing.T) {
	env := e2e.Torch(t)
	dir := e2e.CopyDir(t, "quickstart")
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	runID := strings.TrimSpace(e2e.RunEnv(t, dir, env, 0, "output", "-raw", "run_id").Stdout)

	list := e2e.RunEnv(t, dir, env, 0, "runs", "list")
	if !strings.Contains(list.Stdout, runID[:12]) || !strings.Contains(list.Stdout, "finished") {
		t.Errorf("runs list:\n%s", list.Stdout)
	}
	show := e2e.RunEnv(t, dir, env, 0, "runs", "show", runID[:8])
	for _, want := range []string{"fingerprint", `"lr":0.05`, "accuracy=", "env.torch"} {
		if !strings.Contains(strings.ReplaceAll(show.Stdout, " ", ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("runs show lacks %q:\n%s", want, show.Stdout)
		}
	}
	logs := e2e.RunEnv(t, dir, env, 0, "runs", "logs", runID, "-rank", "1")
	if logs.Stdout == "" {
		t.Error("runs logs -rank 1 printed nothing")
	}
	png := filepath.Join(t.TempDir(), "loss.png")
	e2e.RunEnv(t, dir, env, 0, "runs", "plot", runID, "-metric", "loss", "-o", png)
	if b, err := os.ReadFile(png); err != nil || len(b) < 1000 || string(b[1:4]) != "PNG" {
		t.Errorf("runs plot wrote no PNG: %v", err)
	}
	svg := filepath.Join(t.TempDir(), "acc.svg")
	e2e.RunEnv(t, dir, env, 0, "runs", "plot", runID, "-metric", "accuracy", "-o", svg)
	if b, err := os.ReadFile(svg); err != nil || !strings.Contains(string(b), "<polyline") {
		t.Errorf("runs plot wrote no SVG curve: %v", err)
	}

	e2e.RunEnv(t, dir, env, 0, "workspace", "new", "second")
	plan := e2e.RunEnv(t, dir, env, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(plan.Stdout, "reuses finished run") {
		t.Errorf("the second workspace should reuse the run:\n%s", plan.Stdout)
	}
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	again := strings.TrimSpace(e2e.RunEnv(t, dir, env, 0, "output", "-raw", "run_id").Stdout)
	if again != runID {
		t.Errorf("second workspace ran %s, want the reused run %s", again, runID)
	}
	runs, _ := os.ReadDir(filepath.Join(dir, ".mltf", "runs"))
	if len(runs) != 1 {
		t.Errorf("%d run directories, want 1: the second workspace must not train", len(runs))
	}
	cmp := e2e.RunEnv(t, dir, env, 0, "runs", "compare", runID, runID)
	if !strings.Contains(cmp.Stdout, "params.lr") {
		t.Errorf("runs compare:\n%s", cmp.Stdout)
	}
}

// TestQuickstartKilledApply kills mltf apply with SIGKILL while the
// training runs; the next apply re-attaches and exactly one run trains.
func TestQuickstartKilledApply(t *testing.T) {
	env := e2e.Torch(t)
	dir := e2e.CopyDir(t, "quickstart")
	cmd := exec.Command(e2e.Binary(t), "apply", "-auto-approve")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the launched run's directory, then kill mltf.
	deadline := time.Now().Add(60 * time.Second)
	for {
		entries, _ := os.ReadDir(filepath.Join(dir, ".mltf", "runs"))
		if len(entries) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no run started within 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	r := e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	if !strings.Contains(r.Stdout, "Apply complete!") {
		t.Fatalf("second apply:\n%s", r.Stdout)
	}
	runs, _ := os.ReadDir(filepath.Join(dir, ".mltf", "runs"))
	if len(runs) != 1 {
		t.Fatalf("%d run directories after a killed apply and a second apply, want exactly 1", len(runs))
	}
	e2e.RunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
	list := e2e.RunEnv(t, dir, env, 0, "runs", "list")
	if n := strings.Count(list.Stdout, "finished"); n != 1 {
		t.Fatalf("runs list shows %d finished runs, want 1:\n%s", n, list.Stdout)
	}
}

// TestQuickstartInterruptedApply sends SIGINT to mltf apply while the
// training runs: mltf stops, saves the launched run as partial, and the
// next apply re-attaches to it instead of training again.
func TestQuickstartInterruptedApply(t *testing.T) {
	env := e2e.Torch(t)
	dir := e2e.CopyDir(t, "quickstart")
	cmd := exec.Command(e2e.Binary(t), "apply", "-auto-approve")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	var err error
	for waiting := true; waiting; {
		entries, _ := os.ReadDir(filepath.Join(dir, ".mltf", "runs"))
		select {
		case err = <-exited:
			t.Fatalf("mltf apply ended before the run could be interrupted (%v):\n%s", err, out.String())
		default:
		}
		switch {
		case len(entries) > 0:
			waiting = false
		case time.Now().After(deadline):
			cmd.Process.Kill()
			t.Fatalf("no run started within 60s:\n%s", out.String())
		default:
			time.Sleep(100 * time.Millisecond)
		}
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	err = <-exited
	if err == nil {
		// The training may have finished before the signal arrived.
		t.Logf("apply finished before the interrupt:\n%s", out.String())
	} else if !strings.Contains(out.String(), "Interrupt received") {
		t.Fatalf("interrupted apply:\n%s", out.String())
	}
	show := e2e.RunEnv(t, dir, env, 0, "state", "list")
	if !strings.Contains(show.Stdout, "training.mlp") {
		t.Fatalf("the launched run was not saved to state:\n%s\napply said:\n%s", show.Stdout, out.String())
	}
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	runs, _ := os.ReadDir(filepath.Join(dir, ".mltf", "runs"))
	if len(runs) != 1 {
		t.Fatalf("%d run directories, want exactly 1", len(runs))
	}
	e2e.RunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
}
