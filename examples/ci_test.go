package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

// TestCI runs examples/ci/ci.sh, the commands of its GitHub Actions and
// GitLab CI files, as CI does: a pull request's job plans in one checkout
// and renders the comment; the merge's job applies that very plan file
// from a fresh checkout, against the same remote state (a file:// blob
// store here); the plan cannot be applied twice.
func TestCI(t *testing.T) {
	env := e2e.Torch(t)
	remote := t.TempDir()
	e2e.CopyInto(t, filepath.Join("quickstart", "data"), filepath.Join(remote, "data"))
	env = append(env,
		"MLTF_VAR_data_url=file://"+filepath.Join(remote, "data", "digits.csv"),
		"MLTF="+e2e.Binary(t),
		"MLTF_STATE_URL=file://"+filepath.Join(remote, "state"),
		"MLTF_TRACKING_URL=sqlite://"+filepath.Join(remote, "tracking.db"),
		"MLTF_ARTIFACTS_URL=file://"+filepath.Join(remote, "artifacts"),
		"MLTF_VAR_epochs=3",
	)
	checkout := func() string {
		root := t.TempDir()
		e2e.CopyInto(t, "ci", filepath.Join(root, "ci"))
		e2e.CopyInto(t, filepath.Join("quickstart", "src"), filepath.Join(root, "quickstart", "src"))
		return filepath.Join(root, "ci")
	}
	artifact := t.TempDir()

	pr := checkout()
	ciScript(t, pr, env, 0, "plan", artifact)
	comment, err := os.ReadFile(filepath.Join(artifact, "comment.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**Plan: 5 to add, 0 to change, 0 to destroy.**", "<code>+ training.mlp</code> will be created", "<code>+ dataset.digits</code>"} {
		if !strings.Contains(string(comment), want) {
			t.Errorf("the pull request's comment lacks %q:\n%s", want, comment)
		}
	}

	merged := checkout()
	out := ciScript(t, merged, env, 0, "apply", artifact)
	if !strings.Contains(out, "Apply complete! Resources: 5 added") {
		t.Errorf("apply of the saved plan:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(merged, ".mltf", "state")); err == nil {
		t.Errorf("the state was written in the checkout, not in the remote store")
	}
	e2e.RunEnv(t, merged, env, 0, "plan", "-detailed-exitcode")

	// The same plan again: the state has moved on, so it is refused.
	if out := ciScript(t, merged, env, 1, "apply", artifact); !strings.Contains(out, "plan") {
		t.Errorf("a second apply of the plan:\n%s", out)
	}
}

// ciScript runs ci.sh STEP DIR in dir and returns its output.
func ciScript(t *testing.T, dir string, env []string, want int, step, artifact string) string {
	t.Helper()
	cmd := exec.Command("bash", "ci.sh", step, artifact)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("ci.sh %s: exit %d, want %d\n%s", step, code, want, out)
	}
	return string(out)
}
