// Package artifactstore opens the artifact store of a project (the mltf {
// artifacts } URL, a gocloud.dev blob URL): file:// paths relative to the
// working directory, and the base of the URIs of what it holds. It knows
// nothing of runs, models or pipelines.
package artifactstore

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// artifact stores
	_ "gocloud.dev/blob/memblob"  // mem:// artifact stores, for tests
)

// DefaultURL is the artifact store when the configuration names none.
const DefaultURL = "file://.mltf/artifacts"

// URL makes a file:// URL absolute (relative to workDir) and, when create
// is set, lets it create its directory. It returns the URL to open and the
// base of the URIs under it. An empty raw is DefaultURL.
func URL(raw, workDir string, create bool) (open, base string, err error) {
	if raw == "" {
		raw = DefaultURL
	}
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
		p = strings.TrimSuffix(p, "/")
		q := u.Query()
		if create {
			q.Set("create_dir", "1")
		}
		open = "file://" + p
		if len(q) > 0 {
			open += "?" + q.Encode()
		}
		return open, "file://" + p, nil
	}
	base = raw
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	return raw, strings.TrimSuffix(base, "/"), nil
}

// Open opens the artifact store of raw (see URL).
func Open(ctx context.Context, raw, workDir string, create bool) (b *blob.Bucket, base string, err error) {
	open, base, err := URL(raw, workDir, create)
	if err != nil {
		return nil, "", err
	}
	b, err = blob.OpenBucket(ctx, open)
	if err != nil {
		return nil, "", fmt.Errorf("cannot open the artifact store %s: %w", base, err)
	}
	return b, base, nil
}

// OpenURI opens the bucket holding uri, the blob URL of a directory (a
// run's artifact URI, a model version's location), and returns the key
// prefix of what lies under it: "" for a file:// directory, which is
// opened as the bucket, "PATH/" otherwise.
func OpenURI(ctx context.Context, uri string) (*blob.Bucket, string, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return nil, "", fmt.Errorf("the artifact URI %q is not a blob URL", uri)
	}
	if u.Scheme == "file" {
		b, err := blob.OpenBucket(ctx, "file://"+u.Path)
		if err != nil {
			return nil, "", fmt.Errorf("cannot open %s: %w", uri, err)
		}
		return b, "", nil
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	u.Path = ""
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, "", fmt.Errorf("cannot open %s: %w", uri, err)
	}
	return b, prefix, nil
}
