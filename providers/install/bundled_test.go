package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBundled(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, _ = filepath.EvalSymlinks(exe)
	onPath := t.TempDir()
	t.Setenv("PATH", onPath)
	write := func(path string) {
		t.Helper()
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(path) })
	}

	// Neither beside the executable nor on PATH: how to install it.
	_, err = Bundled("bundledtest")
	if err == nil || !strings.Contains(err.Error(), "mltf-provider-bundledtest") || !strings.Contains(err.Error(), "go install "+BundledModule) {
		t.Fatalf("missing executable: got %v, want how to install mltf-provider-bundledtest", err)
	}

	// On PATH only.
	write(filepath.Join(onPath, "mltf-provider-bundledtest"))
	if got, err := Bundled("bundledtest"); err != nil || got != filepath.Join(onPath, "mltf-provider-bundledtest") {
		t.Fatalf("on PATH: got %q, %v", got, err)
	}

	// Beside the executable wins over PATH: it is the one built with it.
	beside := filepath.Join(filepath.Dir(exe), "mltf-provider-bundledtest")
	write(beside)
	if got, err := Bundled("bundledtest"); err != nil || got != beside {
		t.Fatalf("beside: got %q, %v; want %s", got, err, beside)
	}
}
