package python

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelper runs mltf.py under a real Python with the contract's
// environment, and without it.
func TestHelper(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3")
	}
	dir := t.TempDir()
	script := `
import json, os, mltf
p = mltf.params({"lr": 0.1, "epochs": 3})
print("params", json.dumps(p, sort_keys=True))
print("data", mltf.data("train", "none"))
print("rank", mltf.rank(), mltf.world_size(), mltf.is_main(), mltf.backend())
d = mltf.checkpoint_dir("step-1"); mltf.commit(d, step=1)
print("committed", os.path.exists(os.path.join(d, "COMMIT")))
print("resume", mltf.resume_path())
mltf.log(5, total=10, loss=0.5)
`
	cases := []struct {
		name string
		env  []string
		want []string
	}{
		{
			name: "under mltf",
			env: []string{"MLTF_RUN_ID=r1", `MLTF_PARAMS={"lr": 0.05}`, "MLTF_DATA_TRAIN=/data/digits.csv", "RANK=0", "WORLD_SIZE=2",
				"MLTF_BACKEND=gloo", "MLTF_CHECKPOINT_DIR=" + filepath.Join(dir, "ck"), "MLTF_RESUME_FROM=" + filepath.Join(dir, "ck", "old")},
			want: []string{`params {"epochs": 3, "lr": 0.05}`, "data /data/digits.csv", "rank 0 2 True gloo", "committed True",
				"resume " + filepath.Join(dir, "ck", "old"), `mltf.metric {"step": 5, "total": 10, "loss": 0.5}`},
		},
		{
			name: "alone, resuming from its own checkpoints",
			env:  []string{"MLTF_CHECKPOINT_DIR=" + filepath.Join(dir, "alone")},
			want: []string{`params {"epochs": 3, "lr": 0.1}`, "data none", "rank 0 1 True gloo", "committed True",
				"resume " + filepath.Join(dir, "alone", "step-1"), `mltf.metric {"step": 5, "total": 10, "loss": 0.5}`},
		},
		{
			name: "rank 1 logs nothing",
			env:  []string{"RANK=1", "WORLD_SIZE=2", "MLTF_CHECKPOINT_DIR=" + filepath.Join(dir, "r1")},
			want: []string{"rank 1 2 False gloo"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(py, "-c", script)
			cmd.Dir = "."
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "PYTHONPATH=."}, tc.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w+"\n") {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tc.name == "rank 1 logs nothing" && strings.Contains(string(out), "mltf.metric") {
				t.Errorf("rank 1 printed a metric line:\n%s", out)
			}
		})
	}
}
