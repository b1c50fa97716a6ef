package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/providers/install"
)

// TestThirdPartyProvider builds examples/provider-example, publishes it
// in a mirror, installs it with mltf init, and plans and applies with it,
// including its own kind, notebook, that mltf's kind table does not have;
// a changed binary is then refused until mltf init -upgrade.
func TestThirdPartyProvider(t *testing.T) {
	mirror := exampleMirror(t)
	dir := workdir(t, map[string]string{"main.mltf.hcl": `
mltf {
  required_providers {
    example = { source = "example.com/acme/example", version = ">= 1.0, < 2.0" }
  }
}
provider "example" {}
cluster "pretend" {
  provider    = example
  description = "a pretend cluster"
  pool "gpu" {
    slots = 4
    gpus  = 8
  }
}
output "endpoint" { value = cluster.pretend.endpoint }
notebook "scratch" {
  cluster = cluster.pretend.id
  pool    = "gpu"
  image   = "jupyter:1"
}
output "notebook" { value = notebook.scratch.url }
`})
	missing := e2e.Must(t, dir, 1, "plan")
	if !strings.Contains(missing.Stderr, "mltf init") || !strings.Contains(missing.Stderr, `"notebook"`) {
		t.Errorf("planning before init should say that notebook is unknown and to run mltf init:\n%s", missing.Stderr)
	}
	initOut := e2e.Must(t, dir, 0, "init", "-plugin-dir", mirror)
	if !strings.Contains(initOut.Stdout, "Installed provider example v1.2.0") {
		t.Errorf("init:\n%s", initOut.Stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, install.LockFile)); err != nil {
		t.Fatalf("no lock file: %v", err)
	}
	planned := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(planned.Stdout, "notebook.scratch") {
		t.Errorf("the plan lacks the provider's own kind:\n%s", planned.Stdout)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")
	url := e2e.Must(t, dir, 0, "output", "-raw", "notebook")
	if !strings.HasPrefix(url.Stdout, "example://pretend-") || !strings.Contains(url.Stdout, "/gpu/notebooks/pretend-") || !strings.Contains(url.Stdout, "-scratch-") {
		t.Errorf("notebook url = %q", url.Stdout)
	}
	e2e.Must(t, dir, 0, "state", "show", "notebook.scratch")
	// An in-place change of the provider's own kind.
	main := filepath.Join(dir, "main.mltf.hcl")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(main, []byte(strings.Replace(string(src), `"jupyter:1"`, `"jupyter:2"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	updated := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(updated.Stdout, "1 to change") {
		t.Errorf("changing the notebook image should update it in place:\n%s", updated.Stdout)
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	list := e2e.Must(t, dir, 0, "providers")
	if !strings.Contains(list.Stdout, "installed v1.2.0") {
		t.Errorf("mltf providers:\n%s", list.Stdout)
	}
	schema := e2e.Must(t, dir, 0, "providers", "schema", "-json")
	if !strings.Contains(schema.Stdout, `"boot_seconds"`) || !strings.Contains(schema.Stdout, `"training"`) {
		t.Errorf("providers schema -json lacks the example's or a bundled kind")
	}
	if !strings.Contains(schema.Stdout, `"notebook"`) || !strings.Contains(schema.Stdout, `"long_running": true`) {
		t.Errorf("providers schema -json lacks the example's own kind or the long-running training")
	}

	// Tamper with the installed binary: later runs refuse it.
	installed := install.InstalledPath(dir, "example", "1.2.0")
	f, err := os.OpenFile(installed, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("tampered"))
	f.Close()
	changed := e2e.Must(t, dir, 1, "plan")
	if !strings.Contains(changed.Stderr, "changed since mltf init") {
		t.Errorf("a changed provider binary must be refused:\n%s", changed.Stderr)
	}
}

// A third-party provider is started once per command, although mltf asks
// it for its kinds before it reads the configuration: the process that
// answered is the one that plans.
func TestThirdPartyProviderStartedOnce(t *testing.T) {
	mirror := exampleMirror(t)
	dir := workdir(t, map[string]string{"main.mltf.hcl": `
mltf {
  required_providers {
    example = { source = "example.com/acme/example", version = ">= 1.0, < 2.0" }
  }
}
provider "example" {}
cluster "pretend" {
  provider = example
  pool "gpu" { slots = 4 }
}
notebook "scratch" {
  cluster = cluster.pretend.id
  pool    = "gpu"
  image   = "jupyter:1"
}
`})
	e2e.Must(t, dir, 0, "init", "-plugin-dir", mirror)
	res := e2e.Run(t, dir, []string{"MLTF_LOG=debug"}, "plan")
	if res.Code != 0 {
		t.Fatalf("plan: exit %d\n%s", res.Code, res.Stderr)
	}
	starts := 0
	for _, l := range strings.Split(res.Stderr, "\n") {
		if strings.Contains(l, "starting plugin") && strings.Contains(l, install.BinaryName("example")) {
			starts++
		}
	}
	if starts != 1 {
		t.Fatalf("the example provider was started %d times by one plan; want once\n%s", starts, res.Stderr)
	}
}

// exampleMirror builds examples/provider-example as version 1.2.0 into a
// new provider mirror and returns the mirror's directory.
func exampleMirror(t *testing.T) string {
	t.Helper()
	mirror := t.TempDir()
	bin := filepath.Join(mirror, "example", "1.2.0", install.Platform(), install.BinaryName("example"))
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mltf/mltf/examples/provider-example").CombinedOutput(); err != nil {
		t.Fatalf("building the example provider: %v\n%s", err, out)
	}
	return mirror
}
