// Package contenthash is mltf's one hash of a file's content: the
// SHA-256 of its bytes in hex. Code directories, local data sets and
// provider binaries are identified by it.
package contenthash

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
)

// File is the SHA-256 of the content of the file at path, in hex.
func File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return Reader(f)
}

// Reader is the SHA-256 of what r holds, in hex: the same hash as File's
// for the same bytes (a pipeline step's output in an object store).
func Reader(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
