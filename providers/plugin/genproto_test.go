package plugin

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestGeneratedCodeUpToDate regenerates the protocol's Go code into a
// temporary directory and compares it with the committed files.
func TestGeneratedCodeUpToDate(t *testing.T) {
	for _, tool := range []string{"protoc", "protoc-gen-go", "protoc-gen-go-grpc"} {
		if _, err := exec.LookPath(tool); err != nil {
			gobin := filepath.Join(goEnv(t, "GOPATH"), "bin", tool)
			if _, err := os.Stat(gobin); err != nil {
				t.Skipf("%s not installed, so the generated code cannot be checked: see scripts/genproto.sh", tool)
			}
		}
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	out := t.TempDir()
	cmd := exec.Command("sh", filepath.Join(root, "scripts", "genproto.sh"), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/genproto.sh: %v\n%s", err, b)
	}
	for _, f := range []string{"provider.pb.go", "provider_grpc.pb.go"} {
		rel := filepath.Join("providers", "plugin", "pluginpb", f)
		want, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date with provider.proto: run scripts/genproto.sh and commit the result", rel)
		}
	}
}

func goEnv(t *testing.T, name string) string {
	b, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Skipf("go env %s: %v", name, err)
	}
	return string(bytes.TrimSpace(b))
}
