package fingerprint

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/mltf/mltf/providers/data/source"
)

// listLocal lists a file:// prefix by reading its directories directly.
// gocloud's fileblob walks the whole tree again for every page and probes
// a metadata sidecar for every file; here each directory is read once, in
// parallel, and each file costs one stat (plus an open and a read when a
// small file must be hashed), on a pool of goroutines. The objects and
// tokens are the same as a gocloud listing gives: fileblob has no MD5 for
// files it did not write, and its .attrs sidecars are skipped.
func listLocal(ctx context.Context, src *source.Source, prev map[string]*Object, par int) (*Listing, error) {
	root := filepath.Join(src.Dir, filepath.FromSlash(src.Prefix))
	type job struct {
		full string
		o    *Object
	}
	jobs := make(chan job, 4*par)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	var wg sync.WaitGroup
	var errOnce sync.Once
	var hashErr error
	for range par {
		wg.Go(func() {
			buf := make([]byte, SmallObject+1)
			for j := range jobs {
				if ctx.Err() != nil {
					continue // drain
				}
				if err := statAndHash(src, j.full, j.o, prev, buf); err != nil {
					errOnce.Do(func() { hashErr = err })
					cancel()
				}
			}
		})
	}
	var mu sync.Mutex
	var chunks [][]Object
	sem := make(chan struct{}, par)
	var walk func(dir, rel string) error
	walk = func(dir, rel string) error {
		sem <- struct{}{}
		entries, err := os.ReadDir(dir)
		<-sem
		if err != nil {
			return fmt.Errorf("listing %s: %w", dir, err)
		}
		chunk := make([]Object, 0, len(entries))
		var files []string
		for _, e := range entries {
			name := e.Name()
			key := path.Join(rel, name)
			if skipped(key) || strings.HasSuffix(name, ".attrs") {
				continue
			}
			full := filepath.Join(dir, name)
			if e.IsDir() {
				g.Go(func() error { return walk(full, key) })
				continue
			}
			chunk = append(chunk, Object{Key: key})
			files = append(files, full)
		}
		mu.Lock()
		chunks = append(chunks, chunk)
		mu.Unlock()
		for i := range chunk {
			select {
			case jobs <- job{files[i], &chunk[i]}:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	}
	g.Go(func() error { return walk(root, "") })
	err := g.Wait()
	close(jobs)
	wg.Wait()
	if hashErr != nil {
		err = hashErr
	} else if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	var objs []Object
	for _, c := range chunks {
		for _, o := range c {
			if o.Token != "" { // not a link to a directory
				objs = append(objs, o)
			}
		}
	}
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	ls := &Listing{Objects: objs}
	ls.finish()
	return ls, nil
}

// statAndHash fills in a local file's size, modification time and token.
func statAndHash(src *source.Source, full string, o *Object, prev map[string]*Object, buf []byte) error {
	fi, err := os.Stat(full)
	if err != nil {
		return fmt.Errorf("listing %s: %w", full, err)
	}
	if fi.IsDir() {
		return nil // a symbolic link to a directory: not followed
	}
	o.Size, o.ModTime = fi.Size(), fi.ModTime()
	if p := prev[o.Key]; p != nil && p.Size == o.Size && p.ModTime.Equal(o.ModTime) && strings.HasPrefix(p.Token, "sha256:") {
		o.Token = p.Token
		return nil
	}
	if o.Size > SmallObject {
		o.Token = statToken(o)
		return nil
	}
	o.Token, err = contentToken(context.Background(), src, o.Key, buf)
	return err
}
