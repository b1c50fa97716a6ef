package deployment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// artifact stores
	_ "gocloud.dev/blob/memblob"  // mem:// artifact stores

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/serving"
	"github.com/mltf/mltf/state/tracking"
)

// Served is a model version made ready to serve.
type Served struct {
	Version int64
	// Dir is a local directory with the version's files (serving.json and
	// the module): the registry's own directory for a file:// store, else
	// a copy.
	Dir string
	// URI is the version's registry location.
	URI string
	// Manifest is the version's serving.json.
	Manifest serving.Manifest
	// Baseline is the distribution of the version's training data, for
	// input drift; nil when it cannot be made (Why says why).
	Baseline *serving.Baseline
	Why      string
}

// registry reads model versions from the tracking store and records the
// deployment's moves in the alias history.
type registry struct {
	st *tracking.Store
	s  providers.Settings
}

func openRegistry(ctx context.Context, s providers.Settings) (*registry, error) {
	if s.TrackingURL == "" {
		return nil, errors.New("deployments serve registered models, and this configuration has no tracking store: set mltf { tracking { url = ... } }")
	}
	st, err := tracking.Open(ctx, s.TrackingURL, s.WorkDir)
	if err != nil {
		return nil, err
	}
	return &registry{st: st, s: s}, nil
}

func (r *registry) close() { r.st.Close() }

// served finds version v of model and makes its files local (under cache
// when they must be copied).
func (r *registry) served(ctx context.Context, model string, v int64, cache string) (Served, error) {
	mv, err := r.st.GetModelVersion(ctx, model, v)
	if err != nil {
		return Served{}, fmt.Errorf("model %s version %d: %w", model, v, err)
	}
	out := Served{Version: v, URI: mv.ArtifactURI}
	if p, ok := strings.CutPrefix(mv.ArtifactURI, "file://"); ok {
		out.Dir = p
	} else if out.Dir, err = r.copy(ctx, model, v, filepath.Join(cache, fmt.Sprintf("version-%d", v))); err != nil {
		return Served{}, err
	}
	b, err := os.ReadFile(filepath.Join(out.Dir, serving.ManifestFile))
	if err != nil {
		return Served{}, fmt.Errorf("version %d of model %s is not servable: its files hold no %s (export the model with mltf.export_torchscript in the training; see docs/deployments.md)", v, model, serving.ManifestFile)
	}
	if err := json.Unmarshal(b, &out.Manifest); err != nil || out.Manifest.Width() <= 0 {
		return Served{}, fmt.Errorf("version %d of model %s: %s is not valid (%v); it needs inputs with a shape", v, model, serving.ManifestFile, err)
	}
	out.Baseline, out.Why = r.baseline(mv, out.Manifest)
	return out, nil
}

// baseline makes the drift baseline from the version's training data:
// its "train" data set, or its only one.
func (r *registry) baseline(mv tracking.ModelVersion, m serving.Manifest) (*serving.Baseline, string) {
	if len(m.Columns) == 0 {
		return nil, "serving.json names no input columns (export_torchscript(..., columns=...))"
	}
	ds := mv.Lineage.Datasets
	ref, ok := ds["train"]
	if !ok && len(ds) == 1 {
		for _, d := range ds {
			ref, ok = d, true
		}
	}
	if !ok {
		var names []string
		for n := range ds {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Sprintf("the training's data has no \"train\" entry (it has %v)", names)
	}
	path := strings.TrimPrefix(ref.Location, "file://")
	if strings.Contains(path, "://") {
		return nil, fmt.Sprintf("the training data %s is not a local file", ref.Location)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.s.WorkDir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err.Error()
	}
	defer f.Close()
	b, err := serving.BaselineFromCSV(f, m.Columns)
	if err != nil {
		return nil, fmt.Sprintf("%s: %v", ref.Location, err)
	}
	return b, ""
}

// copy copies version v's files from the artifact store to dir.
func (r *registry) copy(ctx context.Context, model string, v int64, dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, serving.ManifestFile)); err == nil {
		return dir, nil // files of a registered version never change
	}
	b, err := blob.OpenBucket(ctx, r.s.ArtifactsURL)
	if err != nil {
		return "", fmt.Errorf("cannot open the artifact store: %w", err)
	}
	defer b.Close()
	prefix := fmt.Sprintf("models/%s/%d/", model, v)
	it := b.List(&blob.ListOptions{Prefix: prefix})
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if o.IsDir {
			continue
		}
		dst := filepath.Join(tmp, filepath.FromSlash(strings.TrimPrefix(o.Key, prefix)))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		data, err := b.ReadAll(ctx, o.Key)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return "", err
		}
	}
	return dir, os.Rename(tmp, dir)
}

// rolloutRecord is the entry a rollout writes in the gate results of its
// move in the alias history.
type rolloutRecord struct {
	Passed    bool   `json:"passed"`
	Candidate int64  `json:"candidate"`
	Note      string `json:"note"`
	// Strategy is the strategy's plan words: a version rolled back is
	// tried again when the strategy changes.
	Strategy string `json:"strategy,omitempty"`
}

// record writes a move of the deployment's serving position to the
// model's alias history, under the alias named by the deployment's
// address: from -> candidate when passed, else a refused move (from ->
// from) that names the candidate, with note.
func (r *registry) record(ctx context.Context, model, address string, candidate int64, note, strategy string, passed bool) error {
	at, err := r.st.Aliases(ctx, model)
	if err != nil {
		return err
	}
	from, to := at[address], candidate
	if !passed {
		to = from
	}
	gates, _ := json.Marshal([]rolloutRecord{{Passed: passed, Candidate: candidate, Note: note, Strategy: strategy}})
	_, err = r.st.MoveAlias(ctx, tracking.AliasMove{Model: model, Alias: address, From: from, To: to, Who: whoami(), Gates: gates})
	return err
}

func whoami() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}

// Refusal is the last rollout of a deployment when it was rolled back.
type Refusal struct {
	rolloutRecord
	When time.Time
}

// lastRefusal returns the deployment's last move in the history when it
// is a rolled back rollout.
func (r *registry) lastRefusal(ctx context.Context, model, address string) (Refusal, bool) {
	h, err := r.st.AliasHistory(ctx, model, address)
	if err != nil || len(h) == 0 {
		return Refusal{}, false
	}
	last := h[len(h)-1]
	var recs []rolloutRecord
	if last.From != last.To || json.Unmarshal(last.Gates, &recs) != nil || len(recs) != 1 || recs[0].Passed {
		return Refusal{}, false
	}
	return Refusal{rolloutRecord: recs[0], When: last.When}, true
}
