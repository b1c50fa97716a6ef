package mltf_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCIRunFails runs .ci/run over stand-in test scripts: a failing test.sh
// must fail the run even when the Kubernetes tests after it pass, and a
// failing Kubernetes script must fail it too.
func TestCIRunFails(t *testing.T) {
	for _, c := range []struct {
		name       string
		tests, k8s string
		want       int
	}{
		{"tests fail", "exit 3", "exit 0", 3},
		{"kubernetes tests fail", "exit 0", "exit 4", 4},
		{"both pass", "exit 0", "exit 0", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range map[string]string{
				".ci/run":                    read(t, ".ci/run"),
				"scripts/phase.sh":           read(t, "scripts/phase.sh"),
				"scripts/test.sh":            c.tests + "\n",
				"scripts/test-kubernetes.sh": c.k8s + "\n",
			} {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			err := exec.Command("bash", filepath.Join(dir, ".ci/run")).Run()
			got := 0
			if ee, ok := err.(*exec.ExitError); ok {
				got = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf(".ci/run exited %d, want %d", got, c.want)
			}
		})
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
