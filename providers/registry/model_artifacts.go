package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// artifact stores
	_ "gocloud.dev/blob/memblob"  // mem:// artifact stores, for tests
	"gocloud.dev/gcerrors"

	"github.com/mltf/mltf/providers/artifactstore"
	"github.com/mltf/mltf/state/tracking"
)

// manifestName is the file written last in a version's location: its
// presence says the copy is complete.
const manifestName = "MANIFEST.json"

// registryLocation is where version of model lives: <base>/models/NAME/VERSION.
func registryKey(model string, version int64) string {
	return fmt.Sprintf("models/%s/%d/", model, version)
}

// Storage is where the registry keeps versions' files: an artifact store
// (the mltf { artifacts } URL, file:// paths relative to WorkDir), each
// version under models/NAME/VERSION/ with its MANIFEST.json. The registry
// provider and mltf server's register endpoint store versions through it.
type Storage struct {
	ArtifactsURL string
	WorkDir      string
}

// storage is the provider's Storage.
func (p *Provider) storage() Storage {
	return Storage{ArtifactsURL: p.settings.ArtifactsURL, WorkDir: p.settings.WorkDir}
}

// openSource opens the bucket holding a run's artifact URI and returns
// the key prefix of the run's files in it.
func (st Storage) openSource(ctx context.Context, uri string) (*blob.Bucket, string, error) {
	open, base, err := artifactstore.URL(st.ArtifactsURL, st.WorkDir, false)
	if err != nil {
		return nil, "", err
	}
	if strings.HasPrefix(uri, base+"/") {
		b, err := blob.OpenBucket(ctx, open)
		if err != nil {
			return nil, "", fmt.Errorf("cannot open the artifact store %s: %w", base, err)
		}
		return b, strings.TrimSuffix(strings.TrimPrefix(uri, base+"/"), "/") + "/", nil
	}
	b, prefix, err := artifactstore.OpenURI(ctx, uri)
	if err != nil {
		return nil, "", fmt.Errorf("the run's artifacts: %w", err)
	}
	return b, prefix, nil
}

// Hash lists and hashes the files under uri, the artifact URI of a run
// (or any directory's blob URL), by path.
func (st Storage) Hash(ctx context.Context, uri string) ([]tracking.File, error) {
	if uri == "" {
		return nil, nil
	}
	b, prefix, err := st.openSource(ctx, uri)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var files []tracking.File
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot list the run's artifacts %s: %w", uri, err)
		}
		if obj.IsDir {
			continue
		}
		sum, size, err := hashObject(ctx, b, obj.Key)
		if err != nil {
			return nil, fmt.Errorf("cannot read artifact %s of %s: %w", obj.Key, uri, err)
		}
		files = append(files, tracking.File{Path: strings.TrimPrefix(obj.Key, prefix), SHA256: sum, Size: size})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

func hashObject(ctx context.Context, b *blob.Bucket, key string) (string, int64, error) {
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return "", 0, err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ContentHash is the SHA-256 of the manifest lines "sha256  size  path":
// a version's content hash.
func ContentHash(files []tracking.File) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s  %d  %s\n", f.SHA256, f.Size, f.Path)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Copy copies the files of version v (v.Lineage.Files) from its source
// (v.Lineage.SourceURI) to its registry location, checking every file's
// hash, and writes the manifest last. Files already there with the right
// hash are kept (a copy interrupted before is completed); a file there
// with another content is an error: a version's files never change.
func (st Storage) Copy(ctx context.Context, v tracking.ModelVersion) error {
	open, _, err := artifactstore.URL(st.ArtifactsURL, st.WorkDir, true)
	if err != nil {
		return err
	}
	dst, err := blob.OpenBucket(ctx, open)
	if err != nil {
		return fmt.Errorf("cannot open the artifact store: %w", err)
	}
	defer dst.Close()
	prefix := registryKey(v.Model, v.Version)
	if ok, _ := dst.Exists(ctx, prefix+manifestName); ok {
		return nil
	}
	if len(v.Lineage.Files) > 0 {
		src, srcPrefix, err := st.openSource(ctx, v.Lineage.SourceURI)
		if err != nil {
			return err
		}
		defer src.Close()
		for _, f := range v.Lineage.Files {
			if err := copyFile(ctx, src, srcPrefix+f.Path, dst, prefix+f.Path, f.SHA256); err != nil {
				return fmt.Errorf("model %s version %d: %s: %w", v.Model, v.Version, f.Path, err)
			}
		}
	}
	manifest, _ := json.MarshalIndent(map[string]any{
		"model": v.Model, "version": v.Version, "run_id": v.RunID,
		"content_hash": v.ContentHash, "files": v.Lineage.Files,
	}, "", "  ")
	err = dst.WriteAll(ctx, prefix+manifestName, append(manifest, '\n'), &blob.WriterOptions{IfNotExist: true, ContentType: "application/json"})
	if err != nil && gcerrors.Code(err) != gcerrors.FailedPrecondition {
		return fmt.Errorf("cannot write the manifest of model %s version %d: %w", v.Model, v.Version, err)
	}
	return nil
}

// copyFile copies one object, refusing to overwrite another content and
// refusing a source whose content no longer has the recorded hash.
func copyFile(ctx context.Context, src *blob.Bucket, srcKey string, dst *blob.Bucket, dstKey, sum string) error {
	if ok, _ := dst.Exists(ctx, dstKey); ok {
		got, _, err := hashObject(ctx, dst, dstKey)
		if err != nil {
			return err
		}
		if got != sum {
			return fmt.Errorf("the registry already holds a different file at %s (sha256 %s, want %s); a version's files never change: remove it by hand only if nothing uses that version", dstKey, shortID(got), shortID(sum))
		}
		return nil
	}
	r, err := src.NewReader(ctx, srcKey, nil)
	if err != nil {
		return fmt.Errorf("cannot read the run's artifact: %w", err)
	}
	defer r.Close()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := dst.NewWriter(wctx, dstKey, &blob.WriterOptions{IfNotExist: true})
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, h), r); err != nil {
		cancel()
		w.Close()
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		cancel() // abandon the write
		w.Close()
		return fmt.Errorf("the run's artifact changed since it was hashed (sha256 %s, recorded %s); artifacts of a finished run must not change", shortID(got), shortID(sum))
	}
	if err := w.Close(); err != nil && gcerrors.Code(err) != gcerrors.FailedPrecondition {
		return err
	}
	return nil
}

// VersionURI is the registry location of version of model.
func (st Storage) VersionURI(model string, version int64) string {
	_, base, err := artifactstore.URL(st.ArtifactsURL, st.WorkDir, false)
	if err != nil {
		return ""
	}
	return base + "/" + strings.TrimSuffix(registryKey(model, version), "/")
}
