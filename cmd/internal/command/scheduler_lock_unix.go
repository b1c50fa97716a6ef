//go:build unix

package command

import (
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on path, held until unlock.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("it is locked")
	}
	return func() { f.Close() }, nil
}
