package launcher

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRunSucceeds(t *testing.T) {
	run := start(t, shSpec(`
echo "hello from rank $RANK of $WORLD_SIZE"
if [ "$RANK" = 0 ]; then
  echo 'mltf.metric {"step": 1, "total": 2, "loss": 0.5}'
  echo 'mltf.metric {"step": 2, "total": 2, "loss": 0.25, "accuracy": 0.9, "note": "ignored"}'
  echo 'mltf.env {"python": "3.11.2"}'
fi
echo model > "$MLTF_ARTIFACT_DIR/model-$RANK.txt"
`, 2))
	st := waitEnd(t, run)
	if st.State != Succeeded {
		t.Fatalf("state %s, want succeeded (error %v)", st.State, st.Error)
	}
	if d := cmp.Diff(map[string]float64{"loss": 0.25, "accuracy": 0.9}, st.Metrics); d != "" {
		t.Errorf("metrics (-want +got):\n%s", d)
	}
	if st.Step != 2 || st.Total != 2 || st.Env["python"] != "3.11.2" {
		t.Errorf("step %d total %d env %v, want 2, 2, python 3.11.2", st.Step, st.Total, st.Env)
	}
	ms, off, err := run.Metrics(0)
	if err != nil || len(ms) != 2 || off == 0 {
		t.Fatalf("Metrics(0) = %d records, offset %d, %v; want 2", len(ms), off, err)
	}
	if more, _, _ := run.Metrics(off); len(more) != 0 {
		t.Errorf("Metrics(%d) = %v, want nothing new", off, more)
	}
	for r := range 2 {
		if got := strings.Join(run.TailLog(r, 5), "\n"); !strings.Contains(got, "hello from rank") {
			t.Errorf("rank %d log lacks its output:\n%s", r, got)
		}
		if _, err := os.Stat(filepath.Join(run.ArtifactDir(), "model-"+string(rune('0'+r))+".txt")); err != nil {
			t.Errorf("artifact of rank %d: %v", r, err)
		}
	}
}

func TestUserError(t *testing.T) {
	cases := []struct {
		name      string
		retries   int
		wantState State
		wantRest  map[string]int
	}{
		{"no retry fails with the rank's last lines", 0, Failed, map[string]int{"infrastructure": 0, "user_error": 0}},
		{"one retry succeeds on the second attempt", 1, Succeeded, map[string]int{"infrastructure": 0, "user_error": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := shSpec(`
if [ "$RANK" = 1 ] && [ "$MLTF_ATTEMPT" = 1 ]; then
  echo "loading data"; echo "ValueError: bad shape" >&2; exit 3
fi
sleep 0.2`, 2)
			spec.RetryUserError = tc.retries
			st := waitEnd(t, start(t, spec))
			if st.State != tc.wantState {
				t.Fatalf("state %s, want %s (error %v)", st.State, tc.wantState, st.Error)
			}
			if d := cmp.Diff(tc.wantRest, st.Restarts); d != "" {
				t.Errorf("restarts (-want +got):\n%s", d)
			}
			if tc.wantState != Failed {
				return
			}
			want := &Failure{Cause: UserError, Rank: 1, Message: "rank 1 exited with code 3",
				Tail: []string{"loading data", "ValueError: bad shape"}}
			if d := cmp.Diff(want, st.Error, cmpIgnoreTime); d != "" {
				t.Errorf("failure (-want +got):\n%s", d)
			}
		})
	}
}

var cmpIgnoreTime = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Time" }, cmp.Ignore())

// killedScript checkpoints once, then waits to be killed; restarted, it
// reports where it resumed from and ends.
const killedScript = `
if [ -n "$MLTF_RESUME_FROM" ]; then echo "resumed from $MLTF_RESUME_FROM"; exit 0; fi
if [ "$RANK" = 0 ]; then
  mkdir -p "$MLTF_CHECKPOINT_DIR/step-1" "$MLTF_CHECKPOINT_DIR/step-2"
  touch "$MLTF_CHECKPOINT_DIR/step-1/COMMIT"; sleep 0.05; touch "$MLTF_CHECKPOINT_DIR/step-2/COMMIT"
  mkdir -p "$MLTF_CHECKPOINT_DIR/step-3"
fi
echo ready
exec sleep 60`

func TestKilledRankRestartsAllFromNewestCheckpoint(t *testing.T) {
	spec := shSpec(killedScript, 2)
	spec.RetryInfrastructure = 1
	run := start(t, spec)
	st := waitFor(t, run, "the checkpoint", 20*time.Second, func(st Status) bool { return strings.HasSuffix(st.Checkpoint, "step-2") })
	syscall.Kill(st.Attempts[0].PIDs[1], syscall.SIGKILL)
	st = waitEnd(t, run)
	if st.State != Succeeded {
		t.Fatalf("state %s, want succeeded (error %v)", st.State, st.Error)
	}
	if d := cmp.Diff(map[string]int{"infrastructure": 1, "user_error": 0}, st.Restarts); d != "" {
		t.Errorf("restarts (-want +got):\n%s", d)
	}
	if got := st.Attempts[0].Failure; got == nil || got.Message != "rank 1 was killed by signal killed" {
		t.Errorf("first attempt's failure = %v, want rank 1 killed", got)
	}
	want := filepath.Join(run.CheckpointDir(), "step-2")
	for r := range 2 {
		if got := strings.Join(run.TailLog(r, 1), ""); got != "resumed from "+want {
			t.Errorf("rank %d says %q, want it resumed from %s", r, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(run.CheckpointDir(), "step-3")); !os.IsNotExist(err) {
		t.Errorf("the uncommitted checkpoint step-3 survived the restart (%v)", err)
	}
}

func TestInfrastructureBudgetSpent(t *testing.T) {
	run := start(t, shSpec(killedScript, 2))
	st := waitFor(t, run, "the ranks", 20*time.Second, func(st Status) bool { return st.State == Running })
	syscall.Kill(st.Attempts[0].PIDs[0], syscall.SIGKILL)
	st = waitEnd(t, run)
	if st.State != Failed || st.Error == nil || st.Error.Cause != Infrastructure || st.Error.Rank != 0 {
		t.Fatalf("state %s error %+v, want failed by infrastructure on rank 0", st.State, st.Error)
	}
}

func TestHangRestarts(t *testing.T) {
	spec := shSpec(`if [ "$MLTF_ATTEMPT" = 1 ]; then exec sleep 60; fi; echo done`, 2)
	spec.HangTimeout = Duration(time.Second)
	spec.RetryInfrastructure = 1
	st := waitEnd(t, start(t, spec))
	if st.State != Succeeded {
		t.Fatalf("state %s, want succeeded (error %v)", st.State, st.Error)
	}
	if f := st.Attempts[0].Failure; f == nil || f.Cause != Infrastructure || !strings.Contains(f.Message, "hang_timeout") {
		t.Errorf("first attempt's failure = %v, want a hang", f)
	}
}

func TestCheckpointsPruned(t *testing.T) {
	spec := shSpec(`
for i in 1 2 3 4; do mkdir -p "$MLTF_CHECKPOINT_DIR/c$i"; touch "$MLTF_CHECKPOINT_DIR/c$i/COMMIT"; sleep 0.02; done
mkdir -p "$MLTF_CHECKPOINT_DIR/half"`, 1)
	spec.CheckpointKeep = 2
	run := start(t, spec)
	waitEnd(t, run)
	cks, err := Committed(run.CheckpointDir())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cks {
		names = append(names, c.Name)
	}
	if d := cmp.Diff([]string{"c4", "c3"}, names); d != "" {
		t.Errorf("checkpoints kept (-want +got):\n%s", d)
	}
}

func TestCancel(t *testing.T) {
	// The rank ignores SIGTERM: it must still end, by SIGKILL after the grace.
	spec := shSpec(`trap '' TERM; echo up; while true; do sleep 0.1; done`, 2)
	spec.StopGrace = Duration(500 * time.Millisecond)
	run := start(t, spec)
	st := waitFor(t, run, "the ranks", 20*time.Second, func(st Status) bool { return st.State == Running })
	if err := run.Cancel(context.Background(), time.Second); err != nil {
		t.Fatal(err)
	}
	got, _ := run.Status()
	if got.State != Cancelled {
		t.Errorf("state %s, want cancelled", got.State)
	}
	for _, pid := range st.Attempts[0].PIDs {
		if alive(pid) {
			t.Errorf("rank pid %d still alive after Cancel", pid)
		}
	}
}

func TestLostSupervisorResumes(t *testing.T) {
	spec := shSpec(killedScript, 2)
	spec.RetryInfrastructure = 1
	run := start(t, spec)
	st := waitFor(t, run, "the checkpoint", 20*time.Second, func(st Status) bool { return strings.HasSuffix(st.Checkpoint, "step-2") })
	syscall.Kill(st.SupervisorPID, syscall.SIGKILL)
	for i := 0; run.Alive() && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if err := run.Resume(context.Background(), supervisorCommand(t), nil); err != nil {
		t.Fatal(err)
	}
	st = waitEnd(t, run)
	if st.State != Succeeded || st.Restarts["infrastructure"] != 1 {
		t.Fatalf("state %s restarts %v, want succeeded after one infrastructure restart (error %v)", st.State, st.Restarts, st.Error)
	}
	for _, pid := range st.Attempts[0].PIDs {
		if alive(pid) {
			t.Errorf("stray rank pid %d of the lost supervisor still alive", pid)
		}
	}
}

func TestSecondSupervisorRefused(t *testing.T) {
	run := start(t, shSpec(`exec sleep 60`, 1))
	waitFor(t, run, "the ranks", 20*time.Second, func(st Status) bool { return st.State == Running })
	if code := SupervisorMain([]string{run.Dir}); code != 3 {
		t.Errorf("a second supervisor on a live run returned %d, want 3", code)
	}
}

// alive reports whether pid runs (a zombie nobody reaped does not).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(after, "Z")
}
