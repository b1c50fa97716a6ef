package training

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mltf/mltf/internal/contenthash"
)

// Manifest maps each file of a code directory (slash-separated relative
// path) to the hash of its content and executable bit ("+x"). Its Sum is
// the code's part of the fingerprint.
type Manifest map[string]string

// ignoredNames are never part of the code: caches and what runs leave.
var ignoredNames = map[string]bool{
	".git": true, ".mltf": true, "__pycache__": true, ".ipynb_checkpoints": true,
	".pytest_cache": true, "checkpoints": true, "artifacts": true, ".DS_Store": true,
}

func ignored(name string) bool { return ignoredNames[name] || strings.HasSuffix(name, ".pyc") }

// HashTree hashes every file under dir.
func HashTree(dir string) (Manifest, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	m := Manifest{}
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && ignored(e.Name()) {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if e.IsDir() || !e.Type().IsRegular() && e.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := contenthash.File(p) // follows symlinks: what the code would read
		if err != nil {
			return err
		}
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		if info.Mode()&0o111 != 0 {
			h += "+x"
		}
		m[filepath.ToSlash(rel)] = h
		return nil
	})
	return m, err
}

// Sum is the hash of the whole manifest.
func (m Manifest) Sum() string {
	h := sha256.New()
	for _, k := range SortedKeys(m) {
		fmt.Fprintf(h, "%s\x00%s\n", k, m[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Changed counts the files added, removed or modified from m to n.
func (m Manifest) Changed(n Manifest) int {
	c := 0
	for k, v := range m {
		if n[k] != v {
			c++
		}
	}
	for k := range n {
		if _, ok := m[k]; !ok {
			c++
		}
	}
	return c
}

// SortedKeys are the keys of m in order.
func SortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
