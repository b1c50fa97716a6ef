package launcher

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as the supervisor: Start re-executes it with
// this variable set, as the provider re-executes mltf.
const supervisorEnv = "MLTF_LAUNCHER_TEST_SUPERVISOR"

func TestMain(m *testing.M) {
	if os.Getenv(supervisorEnv) == "1" {
		os.Exit(SupervisorMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func supervisorCommand(t testing.TB) []string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{"/usr/bin/env", supervisorEnv + "=1", exe}
}

// shSpec is a spec whose ranks run a shell script.
func shSpec(script string, procs int) *Spec {
	return &Spec{
		RunID:          "r" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""),
		Command:        []string{"/bin/sh", "-c", script},
		Nodes:          1,
		ProcsPerNode:   procs,
		Backend:        "gloo",
		CheckpointKeep: 3,
		StopGrace:      Duration(2 * time.Second),
	}
}

// start launches spec in a fresh run directory.
func start(t testing.TB, spec *Spec) *Run {
	t.Helper()
	dir := filepath.Join(t.TempDir(), spec.RunID)
	run, err := Start(context.Background(), dir, spec, supervisorCommand(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Cancel(context.Background(), time.Second) })
	return run
}

// waitFor polls the run's status until cond holds.
func waitFor(t testing.TB, run *Run, what string, timeout time.Duration, cond func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st, err := run.Status()
		if err == nil && cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(run.Dir, "logs", "supervisor.log"))
			t.Fatalf("timed out waiting for %s; status %+v\nsupervisor log:\n%s", what, st, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitEnd(t testing.TB, run *Run) Status {
	t.Helper()
	st := waitFor(t, run, "the run to end", 60*time.Second, func(st Status) bool { return st.State.Terminal() })
	// The supervisor lets go of the lock right after its last status.
	for i := 0; run.Alive() && i < 200; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	return st
}
