package examples_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

// TestPipelineRetrainsOnNewData runs examples/pipeline: raw digits ->
// clean -> features -> dataset -> training -> model. Applying again with
// no change runs nothing; appending rows to the raw data reruns every step
// and retrains.
func TestPipelineRetrainsOnNewData(t *testing.T) {
	env := e2e.Torch(t)
	root := t.TempDir()
	dir := filepath.Join(root, "pipeline")
	e2e.CopyInto(t, "pipeline", dir)
	e2e.CopyInto(t, "quickstart", filepath.Join(root, "quickstart")) // the training's code
	e2e.RunEnv(t, dir, env, 0, "init")
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	if rows := e2e.RunEnv(t, dir, env, 0, "output", "-raw", "rows").Stdout; rows != "600" {
		t.Fatalf("the features have %s rows; want 600 (603 raw rows, 3 dropped by clean)", rows)
	}
	run1 := e2e.RunEnv(t, dir, env, 0, "state", "show", "training.mlp").Stdout
	e2e.RunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")

	more, err := os.ReadFile(filepath.Join(dir, "data", "more.csv"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "data", "raw.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(more)
	f.Close()
	plan := e2e.RunEnv(t, dir, env, 2, "plan", "-detailed-exitcode").Stdout
	for _, want := range []string{
		"because step clean: input raw changed (version 1 -> 2)",
		"because step features: runs because clean's output will change",
		"training.mlp must be replaced",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan after new raw rows lacks %q:\n%s", want, plan)
		}
	}
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	if rows := e2e.RunEnv(t, dir, env, 0, "output", "-raw", "rows").Stdout; rows != "1000" {
		t.Errorf("the features have %s rows after new data; want 1000", rows)
	}
	if run2 := e2e.RunEnv(t, dir, env, 0, "state", "show", "training.mlp").Stdout; run2 == run1 {
		t.Error("the training did not run again on the new features")
	}
	e2e.RunEnv(t, dir, env, 0, "plan", "-detailed-exitcode")
}
