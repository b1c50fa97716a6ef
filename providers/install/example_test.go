package install_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mltf/mltf/providers/install"
)

func ExampleWriteLock() {
	dir, _ := os.MkdirTemp("", "lock")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, install.LockFile)
	_ = install.WriteLock(path, install.Lock{Providers: map[string]install.LockedProvider{
		"example": {Name: "example", Version: "1.2.0", Checksums: []string{
			"sha256:9f2c0000000000000000000000000000000000000000000000000000000000aa",
			"sha256:3b1d0000000000000000000000000000000000000000000000000000000000bb",
		}},
	}})
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output:
	// # Written by mltf init: the providers this configuration uses, pinned by
	// # checksum. Commit it; run mltf init -upgrade to change a version.
	//
	// provider "example" {
	//   version = "1.2.0"
	//   checksums = [
	//     "sha256:3b1d0000000000000000000000000000000000000000000000000000000000bb",
	//     "sha256:9f2c0000000000000000000000000000000000000000000000000000000000aa",
	//   ]
	// }
}
