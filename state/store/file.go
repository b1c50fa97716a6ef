package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// createFile creates path with data unless it exists, atomically between
// processes: the data goes to a temporary file that is hard-linked to path,
// which fails when path exists. Where hard links are not supported it falls
// back to an exclusive create.
func createFile(path string, data []byte) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return false, err
	}
	var r [6]byte
	rand.Read(r[:])
	tmp := path + "." + hex.EncodeToString(r[:]) + ".tmp"
	if err := writeSynced(tmp, data, os.O_EXCL); err != nil {
		return false, err
	}
	defer os.Remove(tmp)
	err := os.Link(tmp, path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	// No hard links here (some network and FUSE file systems).
	err = writeSynced(path, data, os.O_EXCL)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	default:
		return false, fmt.Errorf("cannot create %s: %w", path, err)
	}
}

// filePerm is the mode of every file a file:// store writes: states,
// history, journals and locks can hold sensitive values.
const filePerm = 0o600

func writeSynced(path string, data []byte, flag int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|flag, filePerm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
