package install

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BundledModule is the Go package path under which the executables of
// mltf's own providers are built: go install BundledModule installs mltf
// with them.
const BundledModule = "github.com/mltf/mltf/cmd/..."

// Bundled returns the executable mltf-provider-NAME of a provider that
// ships with mltf in an executable of its own (one that links libraries,
// such as client-go, that the mltf command has no use for): the one beside
// the running executable, after symbolic links, else the first on PATH.
func Bundled(name string) (string, error) {
	file := "mltf-provider-" + name
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find the mltf executable, beside which %s is installed: %w", file, err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	dir := filepath.Dir(exe)
	beside := filepath.Join(dir, file)
	if fi, err := os.Stat(beside); err == nil && !fi.IsDir() {
		return beside, nil
	}
	if path, err := exec.LookPath(file); err == nil {
		return path, nil
	} else if !errors.Is(err, exec.ErrNotFound) {
		return "", err
	}
	return "", fmt.Errorf("the %s provider ships with mltf as the executable %s, which is neither in %s, beside mltf, nor on PATH; install mltf with its providers: go install %s (or go build -o DIR/ %s)",
		name, file, dir, BundledModule, BundledModule)
}
