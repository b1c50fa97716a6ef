// Package golden compares what a test renders with a golden file under
// testdata/, or rewrites the file when the test runs with -update. Each
// test package declares its own -update flag and passes its value; this
// package holds no state.
package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Check compares got with the file at path, or with update writes got
// there (creating its directory):
//
//	go test ./PKG -run NAME -update
func Check(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); if the change is meant, run the test with -update:\n%s", path, diff)
	}
}
