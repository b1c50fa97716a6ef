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
// in a mirror, installs it with mltf init, and plans and applies with it;
// a changed binary is then refused until mltf init -upgrade.
func TestThirdPartyProvider(t *testing.T) {
	mirror := t.TempDir()
	bin := filepath.Join(mirror, "example", "1.2.0", install.Platform(), install.BinaryName("example"))
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mltf/mltf/examples/provider-example").CombinedOutput(); err != nil {
		t.Fatalf("building the example provider: %v\n%s", err, out)
	}
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
`})
	missing := e2e.Must(t, dir, 1, "plan")
	if !strings.Contains(missing.Stderr, "mltf init") {
		t.Errorf("planning before init should say to run mltf init:\n%s", missing.Stderr)
	}
	initOut := e2e.Must(t, dir, 0, "init", "-plugin-dir", mirror)
	if !strings.Contains(initOut.Stdout, "Installed provider example v1.2.0") {
		t.Errorf("init:\n%s", initOut.Stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, install.LockFile)); err != nil {
		t.Fatalf("no lock file: %v", err)
	}
	e2e.Must(t, dir, 2, "plan", "-detailed-exitcode")
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")
	list := e2e.Must(t, dir, 0, "providers")
	if !strings.Contains(list.Stdout, "installed v1.2.0") {
		t.Errorf("mltf providers:\n%s", list.Stdout)
	}
	schema := e2e.Must(t, dir, 0, "providers", "schema", "-json")
	if !strings.Contains(schema.Stdout, `"boot_seconds"`) || !strings.Contains(schema.Stdout, `"training"`) {
		t.Errorf("providers schema -json lacks the example's or a bundled kind")
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
