package kubernetes

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mltf/mltf/kinds/training"
)

// maxCodeArchive is the most code shipped in a ConfigMap (whose limit is
// 1 MiB with everything else in it).
const maxCodeArchive = 900 << 10

// archive packs the files of m under dir into a gzip-compressed tar, in a
// stable order with zero times, and checks that the content is still the
// one hashed.
func archive(dir string, m training.Manifest) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for _, rel := range training.SortedKeys(m) {
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

// errTooLarge says that files do not fit a ConfigMap.
var errTooLarge = fmt.Errorf("more than %d KiB compressed, too much for a ConfigMap", maxCodeArchive>>10)

// archiveTree packs the regular files under dir, but for hidden ones
// (.mltf, .git and what is under them), into a gzip-compressed tar in a
// stable order with zero times; errTooLarge past maxCodeArchive.
func archiveTree(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && strings.HasPrefix(e.Name(), ".") {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: int64(info.Mode().Perm()), Size: int64(len(b)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return err
		}
		if _, err := tw.Write(b); err != nil {
			return err
		}
		if buf.Len() > maxCodeArchive {
			return errTooLarge
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() > maxCodeArchive {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}
