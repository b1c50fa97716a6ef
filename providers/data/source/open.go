package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob" // gs://
	_ "gocloud.dev/blob/memblob" // mem://
	_ "gocloud.dev/blob/s3blob"  // s3://
	"gocloud.dev/gcerrors"
)

// Buckets opens buckets by URL and keeps them open, so that a mem:// bucket
// lives as long as its Buckets. The zero value is ready to use.
type Buckets struct {
	mu      sync.Mutex
	buckets map[string]*blob.Bucket
}

// Put registers an open bucket under url, e.g. a mem:// bucket a test
// filled.
func (b *Buckets) Put(url string, bucket *blob.Bucket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buckets == nil {
		b.buckets = map[string]*blob.Bucket{}
	}
	b.buckets[url] = bucket
}

func (b *Buckets) open(ctx context.Context, url string) (*blob.Bucket, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bk, ok := b.buckets[url]; ok {
		return bk, nil
	}
	bk, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, err
	}
	if b.buckets == nil {
		b.buckets = map[string]*blob.Bucket{}
	}
	b.buckets[url] = bk
	return bk, nil
}

// Close closes every bucket.
func (b *Buckets) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, bk := range b.buckets {
		errs = append(errs, bk.Close())
	}
	b.buckets = nil
	return errors.Join(errs...)
}

// Source is an opened location: a bucket and either one object or a prefix.
type Source struct {
	Location
	Bucket *blob.Bucket
	// Prefix is the listed prefix ("" or ending in "/"), or the object's
	// key when Single.
	Prefix string
	Single bool
	// Dir is the local directory the bucket is rooted at (file only).
	Dir string
	// own is set when the bucket belongs to this Source.
	own bool
}

// Open opens the location. It finds out whether it names one object or a
// prefix: a local directory, a key that is empty or ends in "/", or a key
// with no object of that name is a prefix.
func (l Location) Open(ctx context.Context, buckets *Buckets) (*Source, error) {
	s := &Source{Location: l}
	if l.Scheme == "file" {
		fi, err := os.Stat(l.LocalPath)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("source %s does not exist (resolved to %s)", l.Source, l.LocalPath)
		case err != nil:
			return nil, fmt.Errorf("source %s cannot be read: %v", l.Source, err)
		}
		s.Dir = l.LocalPath
		if !fi.IsDir() {
			s.Dir, s.Prefix, s.Single = filepath.Dir(l.LocalPath), filepath.Base(l.LocalPath), true
		}
		bk, err := fileblob.OpenBucket(s.Dir, &fileblob.Options{Metadata: fileblob.MetadataDontWrite})
		if err != nil {
			return nil, fmt.Errorf("source %s cannot be opened: %v", l.Source, err)
		}
		s.Bucket, s.own = bk, true
		return s, nil
	}
	bk, err := buckets.open(ctx, l.BucketURL)
	if err != nil {
		return nil, fmt.Errorf("source %s: cannot open bucket %s: %v", l.Source, l.BucketURL, err)
	}
	s.Bucket = bk
	if l.Key == "" || strings.HasSuffix(l.Key, "/") {
		s.Prefix = l.Key
		return s, nil
	}
	ok, err := bk.Exists(ctx, l.Key)
	if err != nil {
		return nil, fmt.Errorf("source %s cannot be read: %v", l.Source, explain(err))
	}
	if ok {
		s.Prefix, s.Single = l.Key, true
	} else {
		s.Prefix = l.Key + "/"
	}
	return s, nil
}

// Close releases the bucket when the Source opened it itself.
func (s *Source) Close() error {
	if s.own {
		return s.Bucket.Close()
	}
	return nil
}

// Key is the bucket key of the object at rel, a key relative to the prefix
// ("" for a single object).
func (s *Source) Key(rel string) string {
	if s.Single {
		return s.Prefix
	}
	return s.Prefix + rel
}

// Name is how messages name the object at rel.
func (s *Source) Name(rel string) string {
	if s.Single || rel == "" {
		return s.Location.String()
	}
	return rel
}

// Path is what a training opens: for file sources the local file or
// directory, relative to the working directory when the source was written
// relative (so that a plan made in one checkout holds in another), else
// the URL.
func (s *Source) Path() string {
	if s.Scheme == "file" {
		if s.Rel != "" {
			return s.Rel
		}
		return s.LocalPath
	}
	return s.Location.String()
}

// Names reports whether p, a path from a plan or state, names this source:
// its Path, or for a relative file source its absolute path (as states
// written before paths were kept relative hold it).
func (s *Source) Names(p string) bool {
	return p == s.Path() || s.Scheme == "file" && p == s.LocalPath
}

// NewReader opens the object at rel for sequential reading.
func (s *Source) NewReader(ctx context.Context, rel string) (io.ReadCloser, error) {
	if s.Scheme == "file" {
		return os.Open(filepath.Join(s.Dir, filepath.FromSlash(s.Key(rel))))
	}
	r, err := s.Bucket.NewReader(ctx, s.Key(rel), nil)
	if err != nil {
		return nil, explain(err)
	}
	return r, nil
}

// ReaderAt is random access to one object, as Parquet needs.
type ReaderAt interface {
	io.ReaderAt
	io.ReadSeeker
	io.Closer
}

// NewReaderAt opens the object at rel, of the given size, for random access.
func (s *Source) NewReaderAt(ctx context.Context, rel string, size int64) (ReaderAt, error) {
	if s.Scheme == "file" {
		return os.Open(filepath.Join(s.Dir, filepath.FromSlash(s.Key(rel))))
	}
	return &rangeReader{ctx: ctx, b: s.Bucket, key: s.Key(rel), size: size}, nil
}

// rangeReader reads ranges of a blob, one request per ReadAt.
type rangeReader struct {
	ctx  context.Context
	b    *blob.Bucket
	key  string
	size int64
	off  int64
}

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := int64(len(p))
	if off+n > r.size {
		n = r.size - off
	}
	rr, err := r.b.NewRangeReader(r.ctx, r.key, off, n, nil)
	if err != nil {
		return 0, explain(err)
	}
	defer rr.Close()
	got, err := io.ReadFull(rr, p[:n])
	if err == nil && int64(got) < int64(len(p)) {
		err = io.EOF
	}
	return got, err
}

func (r *rangeReader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.off)
	r.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (r *rangeReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	}
	if offset < 0 {
		return 0, fmt.Errorf("seek before the start of %s", r.key)
	}
	r.off = offset
	return offset, nil
}

func (r *rangeReader) Close() error { return nil }

// explain adds what to do to the blob errors users meet.
func explain(err error) error {
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return fmt.Errorf("%v (the object or bucket does not exist)", err)
	case gcerrors.PermissionDenied:
		return fmt.Errorf("%v (check the credentials mltf runs with)", err)
	}
	return err
}
