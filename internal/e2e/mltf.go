package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// Main runs a package's tests and then removes the binaries that Binary
// built, so a test run leaves nothing in the temporary directory. Packages
// that call Binary use it as their TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// Binary builds the mltf command, and beside it mltf-supervisor and the
// providers that ship with mltf as executables of their own, once per test
// process; Main removes them when the tests end.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mltf-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		binPath = filepath.Join(dir, "mltf")
		// Every command, as users install them: the local provider starts
		// mltf-supervisor from beside mltf, and mltf starts the data and
		// kubernetes providers from there.
		// Without the symbol table and DWARF, which no test reads
		// (stack traces and profiles use the runtime's own tables): the
		// four links take a third of the CPU.
		cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", dir+"/", "github.com/mltf/mltf/cmd/...")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building mltf: %v\n%s", buildErr, binPath)
	}
	return binPath
}

// Result is what one mltf invocation printed and returned.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs mltf in dir with args and returns its output and exit code.
func Run(t testing.TB, dir string, env []string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running mltf %s: %v", strings.Join(args, " "), err)
	}
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: code}
}

// Must runs mltf and fails the test unless it exits with want.
func Must(t testing.TB, dir string, want int, args ...string) Result {
	t.Helper()
	r := Run(t, dir, nil, args...)
	if r.Code != want {
		t.Fatalf("mltf %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, want, r.Stdout, r.Stderr)
	}
	return r
}

// CopyDir copies the files of src (not .mltf) into a new temporary directory.
func CopyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	CopyInto(t, src, dst)
	return dst
}

// CopyInto copies the files of src (not .mltf or __pycache__) into dst.
func CopyInto(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() && (info.Name() == ".mltf" || info.Name() == "__pycache__") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Torch skips the test when PyTorch is missing; it returns a PATH entry
// whose python3 is the interpreter with torch.
func Torch(t testing.TB) []string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("PyTorch tests run on Linux")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import torch").Run(); err != nil {
		t.Skip("PyTorch is not installed at /usr/bin/python3 (apt-get install python3-torch); scripts/setup.sh installs it")
	}
	dir := t.TempDir()
	if err := os.Symlink("/usr/bin/python3", filepath.Join(dir, "python3")); err != nil {
		t.Fatal(err)
	}
	return []string{"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")}
}

// RunEnv is Run with extra environment, failing unless the exit code is want.
func RunEnv(t testing.TB, dir string, env []string, want int, args ...string) Result {
	t.Helper()
	r := Run(t, dir, env, args...)
	if r.Code != want {
		t.Fatalf("mltf %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, want, r.Stdout, r.Stderr)
	}
	return r
}
