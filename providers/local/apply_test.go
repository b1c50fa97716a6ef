package local

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/local/launcher"
)

func TestUserErrorFailsWithLastLines(t *testing.T) {
	work, runs := shellWork(t)
	h := newHarness(t, work, runs)
	cfg := config(t, "shell.mltf.hcl", shellVars(h.pool("cpu", 2), `
if [ "$RANK" = 1 ]; then echo "epoch 1"; echo "Traceback: KeyError: 'lr'" >&2; exit 1; fi
exec sleep 30`))
	_, ar := h.planApply(t.Context(), null(), cfg, &events{})
	if got := str(ar.New, "status"); got != training.StatusFailed {
		t.Fatalf("status %q, want failed; diagnostics %v", got, ar.Diagnostics)
	}
	if len(ar.Diagnostics) != 1 || ar.Diagnostics[0].Summary != "Training failed" {
		t.Fatalf("diagnostics %v, want one Training failed", ar.Diagnostics)
	}
	detail := ar.Diagnostics[0].Detail
	for _, want := range []string{"rank 1 exited with code 1", "retry.user_error allows 0 restarts", "Last lines of rank 1:", "Traceback: KeyError: 'lr'", "rank-1.log"} {
		if !strings.Contains(detail, want) {
			t.Errorf("diagnostic lacks %q:\n%s", want, detail)
		}
	}
}

func TestHangRestarts(t *testing.T) {
	work, runs := shellWork(t)
	h := newHarness(t, work, runs)
	vars := with(shellVars(h.pool("cpu", 2), `if [ "$MLTF_ATTEMPT" = 1 ]; then exec sleep 60; fi; echo 'mltf.metric {"step": 1, "loss": 0.5}'`), "hang", cty.StringVal("1s"))
	_, ar := h.planApply(t.Context(), null(), config(t, "shell.mltf.hcl", vars), &events{})
	if ar.Diagnostics.HasErrors() {
		t.Fatal(ar.Diagnostics)
	}
	if got := num(ar.New, "restarts", "infrastructure"); got != 1 {
		t.Errorf("restarts.infrastructure = %v, want 1", got)
	}
	if got := num(ar.New, "metrics", "loss"); got != 0.5 {
		t.Errorf("metrics.loss = %v, want 0.5", got)
	}
}

func TestPoolCapacityMakesSecondTrainingWait(t *testing.T) {
	work, runs := shellWork(t)
	h := newHarness(t, work, runs)
	pool := h.pool("cpu", 2)
	var wg sync.WaitGroup
	results := make([]providers.ApplyChangeResponse, 2)
	evs := []*events{{}, {}}
	for i := range 2 {
		// Different params: two different runs.
		cfg := config(t, "shell.mltf.hcl", with(shellVars(pool, "sleep 1"), "x", cty.NumberIntVal(int64(i))))
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = h.planApply(t.Context(), null(), cfg, evs[i])
		}()
	}
	wg.Wait()
	var waited []int
	for i, r := range results {
		if r.Diagnostics.HasErrors() {
			t.Fatal(r.Diagnostics)
		}
		for _, e := range evs[i].of(providers.EventProgress) {
			if e.Progress.Message == "waiting for 2 slots in pool cpu" {
				waited = append(waited, i)
				break
			}
		}
	}
	if len(waited) != 1 {
		t.Fatalf("trainings that waited for the pool: %v, want exactly one", waited)
	}
	first, second := results[1-waited[0]].New, results[waited[0]].New
	if str(second, "started_at") < str(first, "finished_at") {
		t.Errorf("the second training started at %s, before the first finished at %s", str(second, "started_at"), str(first, "finished_at"))
	}
}

func TestDestroyCancelsAndDeletesCheckpoints(t *testing.T) {
	work, runs := shellWork(t)
	h := newHarness(t, work, runs)
	cfg := config(t, "shell.mltf.hcl", shellVars(h.pool("cpu", 2), `mkdir -p "$MLTF_CHECKPOINT_DIR/c1"; touch "$MLTF_CHECKPOINT_DIR/c1/COMMIT"; exec sleep 60`))
	ev := &events{}
	ev.on = func(e providers.Event) {
		if e.Type == providers.EventPartial {
			h.p.Stop(context.Background()) // like Ctrl-C: stop following, the run goes on
		}
	}
	_, ar := h.planApply(t.Context(), null(), cfg, ev)
	if got := str(ar.New, "status"); got != training.StatusRunning || !ar.Diagnostics.HasErrors() {
		t.Fatalf("after Stop: status %q, diagnostics %v; want running with an error saying so", got, ar.Diagnostics)
	}
	run, err := launcher.Open(filepath.Join(runs, str(ar.New, "run_id")))
	if err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, work, runs)
	dr := h2.p.ApplyChange(t.Context(), providers.ApplyChangeRequest{Kind: "training", Address: "training.mlp",
		Prior: ar.New, PriorPrivate: ar.Private, Planned: null().Value, Config: cty.NullVal(cfg.Type())})
	if dr.Diagnostics.HasErrors() || !dr.New.IsNull() {
		t.Fatalf("destroy: %v, new %#v", dr.Diagnostics, dr.New)
	}
	st, _ := run.Status()
	if st.State != launcher.Cancelled || run.Alive() {
		t.Errorf("after destroy: state %s, supervisor alive %v; want cancelled and gone", st.State, run.Alive())
	}
	if _, err := os.Stat(run.CheckpointDir()); !os.IsNotExist(err) {
		t.Errorf("checkpoints survived the destroy: %v", err)
	}
}

// TestReattachAfterApplyKilled kills a whole "mltf apply" process with
// SIGKILL while it trains; the training goes on, and the next apply
// re-attaches to it: exactly one run.
func TestReattachAfterApplyKilled(t *testing.T) {
	work, runs := shellWork(t)
	h := newHarness(t, work, runs)
	cfg := config(t, "shell.mltf.hcl", shellVars(h.pool("cpu", 2), `
for i in 1 2 3 4 5 6 7 8 9 10; do echo "mltf.metric {\"step\": $i, \"loss\": 0.$i}"; sleep 0.2; done`))

	file := filepath.Join(t.TempDir(), "partial.json")
	cj, _ := ctyjson.Marshal(cfg, trainingSchema().ImpliedType())
	args, _ := json.Marshal(map[string]string{"WorkDir": work, "RunsDir": runs, "Config": string(cj)})
	os.WriteFile(file+".args", args, 0o644)
	exe, _ := os.Executable()
	child := exec.Command(exe)
	child.Env = append(os.Environ(), childEnv+"="+file)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var prior instance
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		if prior, err = readInstance(file); err == nil {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("the apply process saved no partial state: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()

	runID := str(prior.Value, "run_id")
	run, err := launcher.Open(filepath.Join(runs, runID))
	if err != nil {
		t.Fatal(err)
	}
	if !run.Alive() {
		t.Fatal("the supervisor died with the apply process")
	}
	pr := h.plan(prior, cfg)
	if len(pr.Reasons) != 1 || !strings.HasPrefix(pr.Reasons[0], "re-attaches to run "+runID[:8]) {
		t.Errorf("plan reasons %v, want a re-attach", pr.Reasons)
	}
	ar := h.apply(t.Context(), prior, pr, cfg, &events{})
	if ar.Diagnostics.HasErrors() {
		t.Fatal(ar.Diagnostics)
	}
	if got := str(ar.New, "run_id"); got != runID || str(ar.New, "status") != training.StatusFinished {
		t.Errorf("run %s status %s, want run %s finished", got, str(ar.New, "status"), runID)
	}
	entries, _ := os.ReadDir(runs)
	if len(entries) != 1 {
		t.Errorf("%d run directories, want exactly one", len(entries))
	}
	if got := num(ar.New, "metrics", "loss"); got != 0.1 { // step 10 prints 0.10
		t.Errorf("metrics.loss = %v, want 0.1", got)
	}
}

// An apply killed after starting a run but before saving it leaves the
// run behind; when the run succeeds before the next apply, that apply
// adopts and completes it rather than running the same inputs again.
func TestAdoptRunThatSucceededAfterApplyKilled(t *testing.T) {
	work, runs := shellWork(t)
	h := newHarness(t, work, runs)
	cfg := config(t, "shell.mltf.hcl", shellVars(h.pool("cpu", 2), `echo 'mltf.metric {"step": 1, "loss": 0.5}'`))
	_, ar := h.planApply(t.Context(), null(), cfg, &events{})
	if ar.Diagnostics.HasErrors() {
		t.Fatal(ar.Diagnostics)
	}
	runID := str(ar.New, "run_id")

	// What the killed apply leaves: the run's directory as launched, its
	// run succeeded with nobody completing it, and neither state nor the
	// tracking store knowing of it.
	dir := filepath.Join(runs, runID)
	m, err := readMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.ArtifactURI = ""
	if err := writeMeta(dir, m); err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, work, runs)
	_, ar2 := h2.planApply(t.Context(), null(), cfg, &events{})
	if ar2.Diagnostics.HasErrors() {
		t.Fatal(ar2.Diagnostics)
	}
	if got := str(ar2.New, "run_id"); got != runID || str(ar2.New, "status") != training.StatusFinished {
		t.Errorf("run %s status %s, want run %s adopted and finished", got, str(ar2.New, "status"), runID)
	}
	if entries, _ := os.ReadDir(runs); len(entries) != 1 {
		t.Errorf("%d run directories, want exactly one", len(entries))
	}
	if got := num(ar2.New, "metrics", "loss"); got != 0.5 {
		t.Errorf("metrics.loss = %v, want 0.5", got)
	}
	if m, _ := readMeta(dir); m.ArtifactURI == "" {
		t.Error("the adopted run's artifacts were not uploaded")
	}
}
