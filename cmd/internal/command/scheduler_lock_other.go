//go:build !unix

package command

import (
	"fmt"
	"os"
)

// lockFile takes the lock file path, created exclusively; it is removed
// at unlock (a crashed scheduler leaves it behind, to be removed by hand).
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s exists; remove it if no scheduler runs", path)
	}
	f.Close()
	return func() { os.Remove(path) }, nil
}
