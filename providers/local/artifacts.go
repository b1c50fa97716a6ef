package local

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// artifact stores
	_ "gocloud.dev/blob/memblob"  // mem:// artifact stores, for tests
)

// bucketURL makes a file:// artifacts URL absolute (relative to workDir)
// and lets it create its directory. It returns the URL to open and the
// base of the artifact URIs.
func bucketURL(raw, workDir string) (open, base string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("artifacts url %q: %w", raw, err)
	}
	if u.Scheme == "file" {
		p := strings.TrimPrefix(raw, "file://")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(workDir, p)
		}
		q := u.Query()
		q.Set("create_dir", "1")
		return "file://" + p + "?" + q.Encode(), "file://" + p, nil
	}
	base = raw
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	return raw, strings.TrimSuffix(base, "/"), nil
}

// uploadArtifacts copies every file of dir to the artifact store under
// runs/RUN_ID/ and returns the URI of that prefix.
func uploadArtifacts(ctx context.Context, storeURL, workDir, runID, dir string) (string, error) {
	open, base, err := bucketURL(storeURL, workDir)
	if err != nil {
		return "", err
	}
	b, err := blob.OpenBucket(ctx, open)
	if err != nil {
		return "", fmt.Errorf("cannot open the artifact store %s: %w", storeURL, err)
	}
	defer b.Close()
	prefix := "runs/" + runID + "/"
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		return uploadFile(ctx, b, prefix+filepath.ToSlash(rel), p)
	})
	if err != nil {
		return "", fmt.Errorf("cannot upload the artifacts of run %s: %w", runID, err)
	}
	return base + "/" + strings.TrimSuffix(prefix, "/"), nil
}

func uploadFile(ctx context.Context, b *blob.Bucket, key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := b.NewWriter(ctx, key, nil)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
