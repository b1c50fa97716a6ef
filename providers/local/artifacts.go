package local

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"

	"github.com/mltf/mltf/providers/artifactstore" // registers file:// and mem://
)

// uploadArtifacts copies every file of dir to the artifact store under
// runs/RUN_ID/ and returns the URI of that prefix.
func uploadArtifacts(ctx context.Context, storeURL, workDir, runID, dir string) (string, error) {
	open, base, err := artifactstore.URL(storeURL, workDir, true)
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
