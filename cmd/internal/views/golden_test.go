package views

import (
	"flag"
	"path/filepath"
	"testing"

	goldenfile "github.com/mltf/mltf/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with what the views render now")

// golden compares got with testdata/NAME, or rewrites it with -update:
//
//	go test ./cmd/internal/views -run Golden -update
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got, *update)
}
