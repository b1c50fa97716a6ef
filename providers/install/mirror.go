package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apparentlymart/go-versions/versions"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob" // mem:// mirrors, for tests
	"gocloud.dev/gcerrors"
)

// source is a mirror providers are installed from.
type source struct {
	where  string // as the user wrote it, for messages
	bucket *blob.Bucket
}

// isLocation reports whether s names a mirror (a URL or a directory)
// rather than being only a label.
func isLocation(s string) bool {
	return strings.Contains(s, "://") || filepath.IsAbs(s) || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../")
}

// openMirror opens a directory or a gocloud blob URL (file://, mem://, and
// s3://, gs://, azblob:// when the binary links those drivers).
func openMirror(ctx context.Context, where string) (*source, error) {
	var b *blob.Bucket
	var err error
	if strings.Contains(where, "://") {
		b, err = blob.OpenBucket(ctx, where)
	} else {
		b, err = fileblob.OpenBucket(where, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open the provider mirror %s: %w", where, err)
	}
	return &source{where: where, bucket: b}, nil
}

func (m *source) Close() error { return m.bucket.Close() }

// versions lists the versions the mirror has of provider name.
func (m *source) versions(ctx context.Context, name string) (versions.List, error) {
	it := m.bucket.List(&blob.ListOptions{Prefix: name + "/", Delimiter: "/"})
	var ret versions.List
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("listing %s in the provider mirror %s: %w", name, m.where, err)
		}
		if !o.IsDir {
			continue
		}
		v, err := versions.ParseVersion(strings.TrimSuffix(strings.TrimPrefix(o.Key, name+"/"), "/"))
		if err != nil {
			continue // not a version directory
		}
		ret = append(ret, v)
	}
	ret.Sort()
	return ret, nil
}

// platforms lists the OS_ARCH directories of name at version.
func (m *source) platforms(ctx context.Context, name, version string) ([]string, error) {
	prefix := name + "/" + version + "/"
	it := m.bucket.List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
	var ret []string
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("listing %s in the provider mirror %s: %w", prefix, m.where, err)
		}
		if o.IsDir {
			ret = append(ret, strings.TrimSuffix(strings.TrimPrefix(o.Key, prefix), "/"))
		}
	}
	sort.Strings(ret)
	return ret, nil
}

func (m *source) has(ctx context.Context, key string) (bool, error) {
	ok, err := m.bucket.Exists(ctx, key)
	if err != nil {
		return false, fmt.Errorf("reading %s in the provider mirror %s: %w", key, m.where, err)
	}
	return ok, nil
}

// binary reads one binary, checking it against its .sha256 file when the
// mirror has one, and returns it with its "sha256:HEX" checksum.
func (m *source) binary(ctx context.Context, key string) ([]byte, string, error) {
	b, err := m.bucket.ReadAll(ctx, key)
	if err != nil {
		return nil, "", fmt.Errorf("reading %s in the provider mirror %s: %w", key, m.where, err)
	}
	h := sha256.Sum256(b)
	sum := "sha256:" + hex.EncodeToString(h[:])
	if err := m.checkSidecar(ctx, key, sum); err != nil {
		return nil, "", err
	}
	return b, sum, nil
}

// sum returns the checksum of one binary: from its .sha256 file when the
// mirror has one, otherwise by reading it.
func (m *source) sum(ctx context.Context, key string) (string, error) {
	want, err := m.sidecar(ctx, key)
	if err != nil {
		return "", err
	}
	if want != "" {
		return want, nil
	}
	_, sum, err := m.binary(ctx, key)
	return sum, err
}

func (m *source) sidecar(ctx context.Context, key string) (string, error) {
	b, err := m.bucket.ReadAll(ctx, key+".sha256")
	if gcerrors.Code(err) == gcerrors.NotFound {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s.sha256 in the provider mirror %s: %w", key, m.where, err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "", fmt.Errorf("%s.sha256 in the provider mirror %s is empty", key, m.where)
	}
	s := strings.ToLower(strings.TrimPrefix(f[0], "sha256:"))
	if d, err := hex.DecodeString(s); err != nil || len(d) != sha256.Size {
		return "", fmt.Errorf("%s.sha256 in the provider mirror %s does not hold a SHA-256", key, m.where)
	}
	return "sha256:" + s, nil
}

func (m *source) checkSidecar(ctx context.Context, key, sum string) error {
	want, err := m.sidecar(ctx, key)
	if err != nil || want == "" {
		return err
	}
	if want != sum {
		return fmt.Errorf("%s in the provider mirror %s has checksum %s, but its .sha256 file says %s: the mirror is damaged or was tampered with", key, m.where, sum, want)
	}
	return nil
}
