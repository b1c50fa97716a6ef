package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"
)

// Default lock timing: a held lock is refreshed every LockRefresh, and a
// lock not refreshed for LockStale is reported as stale.
const (
	DefaultLockRefresh = 10 * time.Second
	DefaultLockStale   = 60 * time.Second
)

// ErrNotFound is wrapped by errors about a workspace, a lock or a version
// that does not exist.
var ErrNotFound = errors.New("not found")

// Store is a bucket holding the state of every workspace of a
// configuration. It is safe for concurrent use.
type Store struct {
	bucket *blob.Bucket
	url    string // for messages
	// fileDir is the bucket's directory for file:// stores, where locks are
	// created with a hard link (fileblob's IfNotExist only holds within one
	// process) and writes are synced to disk before they are renamed.
	fileDir string
	// sessions, on PostgreSQL, ties each lock to its holder's session.
	sessions sessionLocks
	cfg      config
}

type config struct {
	lockRefresh time.Duration
	lockStale   time.Duration
	who         string
	version     string
	enc         Encryption
}

// Option changes how a Store behaves.
type Option func(*config)

// WithLockTiming sets how often a held lock is refreshed and after how long
// without a refresh a lock is reported as stale (defaults: 10s and 60s).
func WithLockTiming(refresh, stale time.Duration) Option {
	return func(c *config) {
		if refresh > 0 {
			c.lockRefresh = refresh
		}
		if stale > 0 {
			c.lockStale = stale
		}
	}
}

// WithWho sets the holder recorded in locks (default: user@host).
func WithWho(who string) Option {
	return func(c *config) { c.who = who }
}

// WithMltfVersion sets the mltf version recorded in written states and
// locks.
func WithMltfVersion(v string) Option {
	return func(c *config) { c.version = v }
}

// Open opens the store at url:
//
//   - file://PATH: a directory, relative to workDir unless absolute
//     (file://.mltf/state, file:///srv/state); it is created when missing.
//   - mem://: an empty bucket in memory, for tests.
//   - s3://, gs://, azblob://: gocloud.dev/blob URLs, credentials from the
//     environment as each SDK finds them; ?prefix=dir/ keeps the state
//     under a prefix of a shared bucket.
//   - postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME: a table in a
//     schema (default public) of a PostgreSQL database; PGPASSWORD and the
//     other PG* variables fill what the URL leaves out. Each lock is also a
//     session advisory lock, released by the server when its holder dies.
func Open(ctx context.Context, url string, workDir string, opts ...Option) (*Store, error) {
	scheme, _, ok := strings.Cut(url, "://")
	if !ok {
		return nil, fmt.Errorf("state URL %q has no scheme: use file://PATH, s3://BUCKET, gs://BUCKET, azblob://CONTAINER, postgres://USER@HOST/DATABASE or mem://", url)
	}
	switch scheme {
	case "file":
		dir, err := fileDir(url, workDir)
		if err != nil {
			return nil, err
		}
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{
			CreateDir: true,
			// Temporary files next to their target, so that the final
			// rename stays on one file system.
			NoTempDir: true,
			Metadata:  fileblob.MetadataDontWrite,
		})
		if err != nil {
			return nil, fmt.Errorf("cannot open the state directory %s: %w", dir, err)
		}
		s := newStore(b, "file://"+filepath.ToSlash(dir), opts)
		s.fileDir = dir
		return s, nil
	case "mem":
		return newStore(memblob.OpenBucket(nil), url, opts), nil
	case "postgres", "postgresql":
		return openPostgres(ctx, url, opts)
	default:
		b, err := blob.OpenBucket(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("cannot open the state store %s: %w; state URLs are file://PATH, s3://BUCKET, gs://BUCKET, azblob://CONTAINER, postgres://USER@HOST/DATABASE?schema=NAME or mem://", url, err)
		}
		return newStore(b, url, opts), nil
	}
}

// FromBucket returns a store on an open bucket, which Close closes. name
// identifies the bucket in messages.
func FromBucket(b *blob.Bucket, name string, opts ...Option) *Store {
	return newStore(b, name, opts)
}

func newStore(b *blob.Bucket, url string, opts []Option) *Store {
	cfg := config{lockRefresh: DefaultLockRefresh, lockStale: DefaultLockStale, who: defaultWho()}
	for _, o := range opts {
		o(&cfg)
	}
	return &Store{bucket: b, url: url, cfg: cfg}
}

// fileDir resolves the directory of a file:// URL.
func fileDir(url, workDir string) (string, error) {
	p := strings.TrimPrefix(url, "file://")
	if strings.ContainsAny(p, "?#") {
		return "", fmt.Errorf("state URL %q: file URLs take no query parameters; write file://PATH", url)
	}
	if p == "" {
		return "", fmt.Errorf("state URL %q has no path: write file://.mltf/state or file:///absolute/path", url)
	}
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		if workDir == "" {
			wd, err := os.Getwd()
			if err != nil {
				return "", err
			}
			workDir = wd
		}
		p = filepath.Join(workDir, p)
	}
	return filepath.Clean(p), nil
}

func defaultWho() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return name + "@" + host
}

// With returns a store on the same bucket with opts applied over s's
// options: another holder name or lock timing, as a second process would
// have. Close only the original.
func (s *Store) With(opts ...Option) *Store {
	c := *s
	for _, o := range opts {
		o(&c.cfg)
	}
	return &c
}

// URL returns the store's location, for messages.
func (s *Store) URL() string { return s.url }

// Bucket returns the bucket, for tools and tests that inspect the stored
// objects. Writing to it bypasses locking and history.
func (s *Store) Bucket() *blob.Bucket { return s.bucket }

// Close closes the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// get reads key; the error wraps ErrNotFound when it is missing.
func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	b, err := s.readAll(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("%s: %w", s.where(key), ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", s.where(key), err)
	}
	return b, nil
}

// readAll is the bucket's ReadAll into a buffer of the object's size:
// io.ReadAll grows its buffer from 512 bytes, copying a state of
// thousands of instances (megabytes) about a dozen times.
func (s *Store) readAll(ctx context.Context, key string) ([]byte, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var buf bytes.Buffer
	buf.Grow(int(max(r.Size(), 0)) + bytes.MinRead)
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// put writes key in one piece: readers see the old or the new object, never
// a part (object stores replace objects whole; fileblob writes a temporary
// file that it renames). On file:// the data is synced to disk first.
func (s *Store) put(ctx context.Context, key string, data []byte) error {
	var f *os.File
	w, err := s.bucket.NewWriter(ctx, key, &blob.WriterOptions{
		ContentType: "application/json",
		BeforeWrite: func(as func(any) bool) error {
			if s.fileDir != "" && as(&f) {
				// State holds whatever the configuration's values are,
				// sensitive ones included: only its owner reads it.
				return f.Chmod(filePerm)
			}
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", s.where(key), err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return fmt.Errorf("cannot write %s: %w", s.where(key), err)
	}
	if f != nil {
		if err := f.Sync(); err != nil {
			w.Close()
			return fmt.Errorf("cannot write %s: %w", s.where(key), err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", s.where(key), err)
	}
	return nil
}

// create writes key only when it does not exist yet; created is false when
// it did. On file:// it is safe between processes.
func (s *Store) create(ctx context.Context, key string, data []byte) (created bool, err error) {
	if s.fileDir != "" {
		return createFile(filepath.Join(s.fileDir, filepath.FromSlash(key)), data)
	}
	err = s.bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
	switch gcerrors.Code(err) {
	case gcerrors.OK:
		return true, nil
	case gcerrors.FailedPrecondition:
		return false, nil
	default:
		return false, fmt.Errorf("cannot write %s: %w", s.where(key), err)
	}
}

// keys lists the keys under prefix (recursively).
func (s *Store) keys(ctx context.Context, prefix string) ([]*blob.ListObject, error) {
	var out []*blob.ListObject
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("cannot list %s: %w", s.where(prefix), err)
		}
		out = append(out, obj)
	}
}

func (s *Store) where(key string) string {
	return strings.TrimSuffix(s.url, "/") + "/" + key
}
