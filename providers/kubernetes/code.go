package kubernetes

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// manifest maps each file of a code directory (slash-separated relative
// path) to the hash of its content and executable bit. Its sum is the
// code's part of the fingerprint, computed as the local provider does, so
// the same code has the same hash on both.
type manifest map[string]string

var ignoredNames = map[string]bool{
	".git": true, ".mltf": true, "__pycache__": true, ".ipynb_checkpoints": true,
	".pytest_cache": true, "checkpoints": true, "artifacts": true, ".DS_Store": true,
}

func ignored(name string) bool { return ignoredNames[name] || strings.HasSuffix(name, ".pyc") }

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
		h, err := hashFile(p)
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

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
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

func hashPath(p string) (string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		m, err := hashTree(p)
		if err != nil {
			return "", err
		}
		return m.sum(), nil
	}
	return hashFile(p)
}

// maxCodeArchive is the most code shipped in a ConfigMap (whose limit is
// 1 MiB with everything else in it).
const maxCodeArchive = 900 << 10

// archive packs the files of m under dir into a gzip-compressed tar, in a
// stable order with zero times, and checks that the content is still the
// one hashed.
func archive(dir string, m manifest) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for _, rel := range sortedKeys(m) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		mode := int64(0o644)
		if strings.HasSuffix(m[rel], "+x") {
			mode = 0o755
		}
		sum := sha256.Sum256(b)
		if want := strings.TrimSuffix(m[rel], "+x"); hex.EncodeToString(sum[:]) != want {
			return nil, fmt.Errorf("%s changed while it was packed; run mltf apply again", rel)
		}
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: mode, Size: int64(len(b)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
		if buf.Len() > maxCodeArchive {
			break
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() > maxCodeArchive {
		return nil, fmt.Errorf("the code directory %s is more than %d KiB compressed, too much for a ConfigMap; bake the code into the image and set options { code_in_image = true }, or leave data and outputs out of it", dir, maxCodeArchive>>10)
	}
	return buf.Bytes(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
