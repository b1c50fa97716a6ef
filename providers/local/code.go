package local

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// manifest maps each file of a code directory (slash-separated relative
// path) to the hash of its content and executable bit.
type manifest map[string]string

// ignoredNames are never part of the code: caches and what runs leave.
var ignoredNames = map[string]bool{
	".git": true, ".mltf": true, "__pycache__": true, ".ipynb_checkpoints": true,
	".pytest_cache": true, "checkpoints": true, "artifacts": true, ".DS_Store": true,
}

func ignored(name string) bool {
	return ignoredNames[name] || strings.HasSuffix(name, ".pyc")
}

// hashTree hashes every file under dir.
func hashTree(dir string) (manifest, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	m := manifest{}
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
		h, err := hashFile(p) // follows symlinks: what the code would read
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

// sum is the hash of the whole manifest.
func (m manifest) sum() string {
	h := sha256.New()
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(h, "%s\x00%s\n", k, m[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// changed counts the files added, removed or modified from m to n.
func (m manifest) changed(n manifest) int {
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

// snapshot copies the files of m from src to dst, preserving modes.
func snapshot(src, dst string, m manifest) error {
	for rel := range m {
		from := filepath.Join(src, filepath.FromSlash(rel))
		to := filepath.Join(dst, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := copyFile(from, to); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
