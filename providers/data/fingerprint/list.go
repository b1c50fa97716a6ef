package fingerprint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gocloud.dev/blob"
	"golang.org/x/sync/errgroup"

	"github.com/mltf/mltf/providers/data/source"
)

// SmallObject is the largest object whose content is hashed when the store
// gives no MD5 or ETag.
const SmallObject = 64 << 10

// Options tune List.
type Options struct {
	// Parallelism bounds concurrent listings of sub-prefixes and content
	// hashes; 0 means 16.
	Parallelism int
	// Previous is the last listing of the same source. A small object whose
	// key, size and modification time are unchanged keeps its content hash
	// without being read again.
	Previous *Listing
}

// List lists the source's objects and computes the fingerprint. Sub-prefixes
// ("directories") are listed in parallel, and small objects without a store
// checksum are hashed by a pool of readers while the listing goes on. Local
// directories are read directly (see listLocal); other stores are listed
// page by page with gocloud.dev/blob.
func List(ctx context.Context, src *source.Source, opts Options) (*Listing, error) {
	par := opts.Parallelism
	if par <= 0 {
		par = 16
	}
	if src.Single {
		return listSingle(ctx, src, opts)
	}
	if src.Scheme == "file" {
		return listLocal(ctx, src, previousIndex(opts.Previous), par)
	}
	l := &lister{src: src, prev: previousIndex(opts.Previous), hashes: make(chan *Object, 4*par)}
	hg, hctx := errgroup.WithContext(ctx)
	g, gctx := errgroup.WithContext(hctx)
	for range par {
		hg.Go(func() error { return l.hashWorker(hctx) })
	}
	l.sem = make(chan struct{}, par)
	g.Go(func() error { return l.listPrefix(gctx, g, src.Prefix) })
	err := g.Wait()
	close(l.hashes)
	if herr := hg.Wait(); err == nil {
		err = herr
	}
	if err != nil {
		return nil, err
	}
	var objs []Object
	for _, chunk := range l.chunks {
		objs = append(objs, chunk...)
	}
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	ls := &Listing{Objects: objs}
	ls.finish()
	return ls, nil
}

type lister struct {
	src    *source.Source
	prev   map[string]*Object
	hashes chan *Object
	sem    chan struct{}

	mu     sync.Mutex
	chunks [][]Object
}

// listPrefix lists one prefix page by page with "/" as the delimiter, and
// starts a listing of each sub-prefix it finds.
func (l *lister) listPrefix(ctx context.Context, g *errgroup.Group, prefix string) error {
	l.sem <- struct{}{}
	defer func() { <-l.sem }()
	token := blob.FirstPageToken
	const pageSize = 1000 // what the cloud stores return at most
	for {
		page, next, err := l.src.Bucket.ListPage(ctx, token, pageSize, &blob.ListOptions{Prefix: prefix, Delimiter: "/"})
		if err != nil {
			return fmt.Errorf("listing %s: %w", l.src.Location.String(), err)
		}
		chunk := make([]Object, 0, len(page))
		for _, lo := range page {
			rel := strings.TrimPrefix(lo.Key, l.src.Prefix)
			if skipped(strings.TrimSuffix(rel, "/")) {
				continue
			}
			if lo.IsDir {
				sub := lo.Key
				g.Go(func() error { return l.listPrefix(ctx, g, sub) })
				continue
			}
			chunk = append(chunk, Object{Key: rel, Size: lo.Size, ModTime: lo.ModTime, Token: storeToken(lo)})
		}
		l.mu.Lock()
		l.chunks = append(l.chunks, chunk)
		l.mu.Unlock()
		for i := range chunk {
			o := &chunk[i]
			if o.Token != "" {
				continue
			}
			if p := l.prev[o.Key]; p != nil && p.Size == o.Size && p.ModTime.Equal(o.ModTime) && strings.HasPrefix(p.Token, "sha256:") {
				o.Token = p.Token
				continue
			}
			if o.Size > SmallObject {
				o.Token = statToken(o)
				continue
			}
			select {
			case l.hashes <- o:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if next == nil {
			return nil
		}
		token = next
	}
}

func (l *lister) hashWorker(ctx context.Context) error {
	buf := make([]byte, SmallObject+1)
	for o := range l.hashes {
		if err := ctx.Err(); err != nil {
			return err
		}
		tok, err := contentToken(ctx, l.src, o.Key, buf)
		if err != nil {
			return err
		}
		o.Token = tok
	}
	return nil
}

func contentToken(ctx context.Context, src *source.Source, rel string, buf []byte) (string, error) {
	r, err := src.NewReader(ctx, rel)
	if err != nil {
		return "", fmt.Errorf("reading %s for its content hash: %w", src.Name(rel), err)
	}
	defer r.Close()
	n, err := io.ReadFull(r, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading %s for its content hash: %w", src.Name(rel), err)
	}
	if n > SmallObject {
		return "", fmt.Errorf("%s grew while it was being listed; run the command again once the data has settled", src.Name(rel))
	}
	sum := sha256.Sum256(buf[:n])
	return "sha256:" + hex.EncodeToString(sum[:16]), nil
}

func listSingle(ctx context.Context, src *source.Source, opts Options) (*Listing, error) {
	a, err := src.Bucket.Attributes(ctx, src.Prefix)
	if err != nil {
		return nil, fmt.Errorf("reading the attributes of %s: %w", src.Location.String(), err)
	}
	o := Object{Size: a.Size, ModTime: a.ModTime}
	switch {
	case len(a.MD5) > 0:
		o.Token = "md5:" + hex.EncodeToString(a.MD5)
	case a.ETag != "" && src.Scheme != "file" && src.Scheme != "mem":
		o.Token = "etag:" + strings.Trim(a.ETag, `"`)
	default:
		prev := previousIndex(opts.Previous)[""]
		switch {
		case prev != nil && prev.Size == o.Size && prev.ModTime.Equal(o.ModTime) && strings.HasPrefix(prev.Token, "sha256:"):
			o.Token = prev.Token
		case o.Size <= SmallObject:
			if o.Token, err = contentToken(ctx, src, "", make([]byte, SmallObject+1)); err != nil {
				return nil, err
			}
		default:
			o.Token = statToken(&o)
		}
	}
	ls := &Listing{Objects: []Object{o}}
	ls.finish()
	return ls, nil
}

// storeToken is the content identity a store gives in its listing, or "".
func storeToken(lo *blob.ListObject) string {
	if len(lo.MD5) > 0 {
		return "md5:" + hex.EncodeToString(lo.MD5)
	}
	var s3o s3types.Object
	if lo.As(&s3o) && s3o.ETag != nil {
		return "etag:" + strings.Trim(*s3o.ETag, `"`)
	}
	var gcso storage.ObjectAttrs
	if lo.As(&gcso) {
		if gcso.CRC32C != 0 {
			return "crc32c:" + strconv.FormatUint(uint64(gcso.CRC32C), 16)
		}
		if gcso.Etag != "" {
			return "etag:" + gcso.Etag
		}
	}
	var azo container.BlobItem
	if lo.As(&azo) && azo.Properties != nil && azo.Properties.ETag != nil {
		return "etag:" + strings.Trim(string(*azo.Properties.ETag), `"`)
	}
	return ""
}

func statToken(o *Object) string {
	return "stat:" + strconv.FormatInt(o.Size, 10) + ":" + strconv.FormatInt(o.ModTime.UnixNano(), 10)
}

func previousIndex(prev *Listing) map[string]*Object {
	if prev == nil {
		return nil
	}
	m := make(map[string]*Object, len(prev.Objects))
	for i := range prev.Objects {
		m[prev.Objects[i].Key] = &prev.Objects[i]
	}
	return m
}
