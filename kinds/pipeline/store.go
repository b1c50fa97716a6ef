package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mltf/mltf/internal/contenthash"
	"github.com/mltf/mltf/providers/artifactstore"
)

// Store is the step cache in the artifact store: outputs kept by the hash
// of their content under cas/sha256/, and for each step key that finished
// the hashes of its outputs under pipelines/cache/. Every workspace and
// machine sharing the artifact store shares the cache; deciding a hit
// reads one small object and never downloads an input.
type Store struct {
	b    *blob.Bucket
	base string
}

// Entry is a finished step in the cache.
type Entry struct {
	Key      string            `json:"key"`
	Address  string            `json:"address"` // pipeline.NAME/step/STEP that made it
	RunID    string            `json:"run_id"`
	Outputs  map[string]string `json:"outputs"` // file -> SHA-256
	Finished time.Time         `json:"finished"`
	Seconds  float64           `json:"seconds"`
}

// OpenStore opens the cache in the artifact store at url (file:// paths
// relative to workDir).
func OpenStore(ctx context.Context, url, workDir string) (*Store, error) {
	b, base, err := artifactstore.Open(ctx, url, workDir, true)
	if err != nil {
		return nil, err
	}
	return &Store{b: b, base: base}, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.b.Close() }

func entryKey(key string) string { return "pipelines/cache/" + key + ".json" }

// OutputKey is where an output with the content hash sum lives: its
// file's name after the hash, so that readers that go by extension (a
// dataset's format) see it.
func OutputKey(sum, file string) string { return "cas/sha256/" + sum + "/" + path.Base(file) }

// URI is the URI of an output in the store.
func (s *Store) URI(sum, file string) string { return s.base + "/" + OutputKey(sum, file) }

// Lookup returns the cache entry of key; ok is false when there is none.
func (s *Store) Lookup(ctx context.Context, key string) (e Entry, ok bool, err error) {
	b, err := s.b.ReadAll(ctx, entryKey(key))
	if gcerrors.Code(err) == gcerrors.NotFound {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("cannot read the step cache: %w", err)
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Key != key {
		return Entry{}, false, nil // a torn or foreign entry is a miss
	}
	for file, sum := range e.Outputs {
		if ok, err := s.b.Exists(ctx, OutputKey(sum, file)); err != nil || !ok {
			return Entry{}, false, err // an output was removed: a miss
		}
	}
	return e, true, nil
}

// Put records a finished step; its outputs are in the store already.
func (s *Store) Put(ctx context.Context, e Entry) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := s.b.WriteAll(ctx, entryKey(e.Key), b, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("cannot write the step cache: %w", err)
	}
	return nil
}

// Collect copies the declared outputs of a finished run from its
// artifacts (artifactURI, under the store's base) to their content
// addresses, and returns their hashes. A missing output is an error that
// names it.
func (s *Store) Collect(ctx context.Context, artifactURI string, outputs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(outputs) == 0 {
		return out, nil
	}
	if artifactURI == "" {
		return nil, fmt.Errorf("the run left no artifacts in the artifact store %s", s.base)
	}
	if !strings.HasPrefix(artifactURI, s.base+"/") {
		return nil, fmt.Errorf("the run's artifacts %q are not in the artifact store %s", artifactURI, s.base)
	}
	prefix := strings.TrimSuffix(strings.TrimPrefix(artifactURI, s.base+"/"), "/") + "/"
	for _, file := range outputs {
		src := prefix + file
		sum, err := s.hash(ctx, src)
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("the step wrote no %s under MLTF_OUTPUT_DIR", file)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read output %s: %w", file, err)
		}
		dst := OutputKey(sum, file)
		if ok, err := s.b.Exists(ctx, dst); err != nil {
			return nil, err
		} else if !ok {
			if err := s.b.Copy(ctx, dst, src, nil); err != nil {
				return nil, fmt.Errorf("cannot keep output %s in the artifact store: %w", file, err)
			}
		}
		out[file] = sum
	}
	return out, nil
}

func (s *Store) hash(ctx context.Context, key string) (string, error) {
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		return "", err
	}
	defer r.Close()
	return contenthash.Reader(r)
}
