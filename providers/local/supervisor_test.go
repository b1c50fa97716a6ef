package local

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mltf/mltf/providers/local/launcher"
)

// The small supervisor beside mltf is used only when it speaks the
// launcher's protocol; otherwise mltf supervises runs itself.
func TestFindSupervisor(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "mltf")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	if got := findSupervisor(exe); got != "" {
		t.Fatalf("no mltf-supervisor beside mltf, found %q", got)
	}
	shim := filepath.Join(dir, "mltf-supervisor")
	os.WriteFile(shim, []byte("#!/bin/sh\necho mltf-run-dir/0\n"), 0o755)
	if got := findSupervisor(exe); got != "" {
		t.Fatalf("an mltf-supervisor of another protocol was chosen: %q", got)
	}
	os.WriteFile(shim, []byte("#!/bin/sh\necho "+launcher.Protocol+"\n"), 0o755)
	if got := findSupervisor(exe); got != shim {
		t.Fatalf("findSupervisor = %q, want %q", got, shim)
	}
	// Through a symbolic link to mltf, as a package manager installs it.
	link := filepath.Join(t.TempDir(), "mltf")
	os.Symlink(exe, link)
	if got := findSupervisor(link); got != shim {
		t.Fatalf("through a link: findSupervisor = %q, want %q", got, shim)
	}
}
