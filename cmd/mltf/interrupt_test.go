package main_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/e2e"
)

// slowTraining is a 60-second training of shell ranks that report one
// metric a second.
const slowTraining = `
mltf {
  state     { url = "file://.mltf/state" }
  tracking  { url = "sqlite://.mltf/tracking.db" }
  artifacts { url = "file://.mltf/artifacts" }
}
cluster "dev" {
  pool "cpu" { slots = 1 }
}
experiment "slow" {}
training "slow" {
  experiment = experiment.slow
  pool       = cluster.dev.pool.cpu
  code       = "./src"
  command    = ["/bin/sh", "train.sh"]
  params     = { seconds = 60 }
}
output "final" { value = training.slow.metrics["final"] }
`

const slowScript = `i=0
while [ $i -lt 60 ]; do
  i=$((i+1))
  echo "mltf.metric {\"step\": $i, \"step_seen\": $i}"
  sleep 1
done
echo "mltf.metric {\"step\": $i, \"final\": $i}"
`

func slowDir(t *testing.T) string {
	t.Helper()
	dir := workdir(t, map[string]string{"main.mltf.hcl": slowTraining})
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "train.sh"), []byte(slowScript), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startApply starts mltf apply -auto-approve and waits until the training
// reported its first metric.
func startApply(t *testing.T, dir string) (*exec.Cmd, *syncBuffer, chan error) {
	t.Helper()
	cmd := exec.Command(e2e.Binary(t), "apply", "-auto-approve")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for !strings.Contains(out.String(), "step_seen=") {
		select {
		case err := <-exited:
			t.Fatalf("mltf apply ended before the training reported a metric (%v):\n%s", err, out.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	return cmd, out, exited
}

// TestInterruptDetachesTraining: one SIGINT during an apply that runs a
// 60 s training returns while the training still runs (it is not waited
// for) and says so; runs list and show tell when it ends, and the next
// apply re-attaches to the same run.
func TestInterruptDetachesTraining(t *testing.T) {
	dir := slowDir(t)
	cmd, out, exited := startApply(t, dir)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(50 * time.Second):
		// Still waiting for the training: the bug. End it for the cleanup.
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("mltf apply did not return after the interrupt:\n%s", out.String())
	}
	if err == nil {
		t.Fatalf("an interrupted apply exited 0:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "training.slow: detached, still running") || strings.Contains(out.String(), "training.slow: failed") {
		t.Errorf("the interrupted apply does not say the training goes on:\n%s", out.String())
	}
	list := e2e.Must(t, dir, 0, "runs", "list")
	if !strings.Contains(list.Stdout, "running") {
		t.Fatalf("after the interrupt the training is not running any more:\n%s", list.Stdout)
	}

	// The run ends while nobody follows it: runs list and show say so, from
	// the run's own status, without an apply.
	for deadline := time.Now().Add(3 * time.Minute); !strings.Contains(list.Stdout, "finished"); list = e2e.Must(t, dir, 0, "runs", "list") {
		if time.Now().After(deadline) {
			t.Fatalf("runs list never shows the run finished:\n%s", list.Stdout)
		}
		time.Sleep(2 * time.Second)
	}
	id := strings.Fields(strings.Split(list.Stdout, "\n")[1])[0]
	if show := e2e.Must(t, dir, 0, "runs", "show", id); !strings.Contains(show.Stdout, "final=60") || !strings.Contains(show.Stdout, "finished") {
		t.Errorf("runs show of the run that finished unwatched:\n%s", show.Stdout)
	}
	var run map[string]any
	if err := json.Unmarshal([]byte(e2e.Must(t, dir, 0, "runs", "show", "-json", id).Stdout), &run); err != nil {
		t.Fatal(err)
	}
	if run["format_version"] != "1.0" || run["experiment"] != "slow" || run["status"] != "finished" || run["artifact_uri"] == nil {
		t.Errorf("runs show -json: want snake_case keys, the experiment's name and the final status, got %v", run)
	}

	again := e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if !strings.Contains(again.Stdout, "Re-attaching") {
		t.Errorf("the next apply did not re-attach:\n%s", again.Stdout)
	}
	if !strings.Contains(again.Stdout, "final = 60") {
		t.Errorf("the re-attached training did not finish its 60 steps:\n%s", again.Stdout)
	}
	runs, _ := os.ReadDir(filepath.Join(dir, ".mltf", "runs"))
	if len(runs) != 1 {
		t.Errorf("%d run directories, want 1: the interrupted run was started again", len(runs))
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDestroyRunningTraining: a training left running by an interrupted
// apply is destroyed (although the output that reads its metrics cannot be
// known), and no process of it is left.
func TestDestroyRunningTraining(t *testing.T) {
	dir := slowDir(t)
	cmd, out, exited := startApply(t, dir)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(50 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("mltf apply did not return after the interrupt:\n%s", out.String())
	}
	e2e.Must(t, dir, 0, "plan", "-destroy")
	e2e.Must(t, dir, 0, "destroy", "-auto-approve")
	if left := processesIn(t, dir); len(left) > 0 {
		t.Errorf("processes of the destroyed training are left: %v", left)
	}
	list := e2e.Must(t, dir, 0, "state", "list")
	if strings.TrimSpace(list.Stdout) != "" {
		t.Errorf("state after destroy:\n%s", list.Stdout)
	}
}

// processesIn lists the processes whose command line or working directory
// lies under dir.
func processesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var found []string
	for _, e := range entries {
		pid := e.Name()
		if pid[0] < '0' || pid[0] > '9' {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		cwd, _ := os.Readlink(filepath.Join("/proc", pid, "cwd"))
		line := strings.ReplaceAll(string(cmdline), "\x00", " ")
		if strings.Contains(line, dir) || strings.HasPrefix(cwd, dir+"/") {
			found = append(found, pid+": "+line)
		}
	}
	return found
}

// TestKilledApplyReattaches: after kill -9 of mltf apply during a training,
// the training goes on without it, and the next apply, started while it
// still runs, re-attaches to that run (following its progress to the end)
// instead of launching a second one.
func TestKilledApplyReattaches(t *testing.T) {
	dir := slowDir(t)
	if err := os.WriteFile(filepath.Join(dir, "src", "train.sh"), []byte(strings.ReplaceAll(slowScript, "60", "30")), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, out, exited := startApply(t, dir)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	if list := e2e.Must(t, dir, 0, "runs", "list"); !strings.Contains(list.Stdout, "running") {
		t.Fatalf("after kill -9 of mltf apply the training is not running:\n%s\napply said:\n%s", list.Stdout, out.String())
	}

	again := e2e.Must(t, dir, 0, "apply", "-auto-approve")
	if !strings.Contains(again.Stdout, "training.slow: Re-attaching to the running job...") {
		t.Errorf("the next apply did not re-attach:\n%s", again.Stdout)
	}
	if !strings.Contains(again.Stdout, "step_seen=") {
		t.Errorf("the re-attached apply did not follow the running training's progress:\n%s", again.Stdout)
	}
	if !strings.Contains(again.Stdout, "final = 30") {
		t.Errorf("the re-attached training did not finish its 30 steps:\n%s", again.Stdout)
	}
	if runs, _ := os.ReadDir(filepath.Join(dir, ".mltf", "runs")); len(runs) != 1 {
		t.Errorf("%d run directories, want 1: the training was launched again", len(runs))
	}
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")
}

// TestKilledApplyDestroy: after kill -9 of mltf apply during a training,
// mltf destroy stops the training it left running.
func TestKilledApplyDestroy(t *testing.T) {
	dir := slowDir(t)
	cmd, out, exited := startApply(t, dir)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	e2e.Must(t, dir, 0, "destroy", "-auto-approve")
	if left := processesIn(t, dir); len(left) > 0 {
		t.Errorf("processes of the training are left after destroy: %v\napply said:\n%s", left, out.String())
	}
}
