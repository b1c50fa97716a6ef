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
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
