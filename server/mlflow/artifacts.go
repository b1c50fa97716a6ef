package mlflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mltf/mltf/providers/artifactstore"
)

// ArtifactsPrefix is where MLflow's artifact proxy lives: MLflow clients
// upload and download the files of a run whose artifact URI is
// mlflow-artifacts:/PATH at ArtifactsPrefix + "artifacts/" + PATH.
const ArtifactsPrefix = "/api/2.0/mlflow-artifacts/"

// proxyScheme begins the artifact URIs MLflow clients reach through the
// proxy: the path after it is a key of the server's artifact store.
const proxyScheme = "mlflow-artifacts:/"

// FileInfo is MLflow's FileInfo: a file or directory of a listing.
type FileInfo struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir"`
	FileSize int64  `json:"file_size,omitempty"`
}

// artifactStore opens the server's artifact store; base is the URL the
// keys in it are relative to.
func (a *API) artifactStore(ctx context.Context, create bool) (*blob.Bucket, string, error) {
	if a.opts.ArtifactsURL == "" {
		return nil, "", errors.New("this server has no artifact store: start it with the configuration's mltf { artifacts } or -artifacts")
	}
	return artifactstore.Open(ctx, a.opts.ArtifactsURL, "", create)
}

// openStore opens the server's artifact store for a request, answering
// 500 when it cannot.
func (a *API) openStore(w http.ResponseWriter, r *http.Request, create bool) (*blob.Bucket, bool) {
	b, _, err := a.artifactStore(r.Context(), create)
	if err != nil {
		fail(w, internalError, "%s", err)
		return nil, false
	}
	return b, true
}

// proxiedURI is how MLflow clients see a run's artifact URI: under the
// server's artifact store, mlflow-artifacts:/KEY, which they reach through
// the proxy; elsewhere, as it is.
func (a *API) proxiedURI(uri string) string {
	if a.opts.ArtifactsURL == "" || uri == "" {
		return uri
	}
	_, base, err := artifactstore.URL(a.opts.ArtifactsURL, "", false)
	if err != nil {
		return uri
	}
	if rest, ok := strings.CutPrefix(uri, base+"/"); ok {
		return proxyScheme + rest
	}
	return uri
}

// safePath checks a relative artifact path from a request: no "..", not
// absolute, no empty or "." parts.
func safePath(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("invalid path %q: an artifact path is relative, with / between its parts", p)
	}
	for _, part := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("invalid path %q: an artifact path has no empty, . or .. parts", p)
		}
	}
	return strings.TrimSuffix(p, "/"), nil
}

// list lists one level of the bucket under prefix (a key prefix ending in
// "/" or ""); paths are relative to rel's parent: rel + "/" + name.
func list(ctx context.Context, b *blob.Bucket, prefix, rel string, basename bool) ([]FileInfo, error) {
	var out []FileInfo
	it := b.List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			if gcerrors.Code(err) == gcerrors.NotFound {
				return out, nil
			}
			return nil, err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(obj.Key, prefix), "/")
		if name == "" || obj.Key == stagingPrefix {
			continue // the multipart uploads in progress are no artifacts
		}
		p := name
		if !basename && rel != "" {
			p = rel + "/" + name
		}
		f := FileInfo{Path: p, IsDir: obj.IsDir}
		if !obj.IsDir {
			f.FileSize = obj.Size
		}
		out = append(out, f)
	}
}

// listRunArtifacts is artifacts/list: the files and directories at path
// (default the root) of a run's artifacts, one level, with paths relative
// to the run's artifact root.
func (a *API) listRunArtifacts(r *http.Request, req *struct {
	runRef
	Path      string `json:"path"`
	PageToken string `json:"page_token"`
}) (any, error) {
	rel, err := safePath(req.Path)
	if err != nil {
		return nil, errorf(invalidParameter, "%s", err)
	}
	run, err := a.run(r, req.runRef)
	if err != nil {
		return nil, err
	}
	resp := map[string]any{"root_uri": a.proxiedURI(run.ArtifactURI)}
	if run.ArtifactURI == "" {
		return resp, nil
	}
	ctx := r.Context()
	b, prefix, err := a.openRunArtifacts(ctx, run.ArtifactURI)
	if err != nil {
		return nil, errorf(internalError, "%s", err)
	}
	defer b.Close()
	if rel != "" {
		prefix += rel + "/"
	}
	files, err := list(ctx, b, prefix, rel, false)
	if err != nil {
		return nil, errorf(internalError, "cannot list the artifacts of run %s: %s", run.ID, err)
	}
	if len(files) > 0 {
		resp["files"] = files
	}
	return resp, nil
}

// openRunArtifacts opens the bucket of a run's artifact URI: the server's
// artifact store when the URI is under it, else the URI's own.
func (a *API) openRunArtifacts(ctx context.Context, uri string) (*blob.Bucket, string, error) {
	if key, ok := strings.CutPrefix(a.proxiedURI(uri), proxyScheme); ok {
		b, _, err := a.artifactStore(ctx, false)
		return b, strings.TrimSuffix(key, "/") + "/", err
	}
	return artifactstore.OpenURI(ctx, uri)
}

// listProxied is GET mlflow-artifacts/artifacts?path=P: one level of the
// artifact store under P, by base name.
func (a *API) listProxied(r *http.Request, req *struct {
	Path string `json:"path"`
}) (any, error) {
	rel, err := safePath(req.Path)
	if err != nil {
		return nil, errorf(invalidParameter, "%s", err)
	}
	ctx := r.Context()
	b, _, err := a.artifactStore(ctx, false)
	if err != nil {
		return nil, errorf(internalError, "%s", err)
	}
	defer b.Close()
	prefix := ""
	if rel != "" {
		prefix = rel + "/"
	}
	files, err := list(ctx, b, prefix, rel, true)
	if err != nil {
		return nil, errorf(internalError, "cannot list %s: %s", rel, err)
	}
	resp := map[string]any{}
	if len(files) > 0 {
		resp["files"] = files
	}
	return resp, nil
}

// proxiedKey reads the artifact path of a proxy request.
func proxiedKey(r *http.Request) (string, error) {
	key, err := safePath(r.PathValue("path"))
	if err == nil && key == "" {
		err = errors.New("the request names no artifact: mlflow-artifacts/artifacts/PATH")
	}
	if err != nil {
		return "", errorf(invalidParameter, "%s", err)
	}
	return key, nil
}

// downloadProxied is GET mlflow-artifacts/artifacts/PATH: the file's
// content.
func (a *API) downloadProxied(w http.ResponseWriter, r *http.Request) {
	key, err := proxiedKey(r)
	if err != nil {
		failErr(w, err)
		return
	}
	if strings.HasPrefix(key, stagingPrefix) {
		fail(w, notFound, "No artifact at %s", key)
		return
	}
	ctx := r.Context()
	b, opened := a.openStore(w, r, false)
	if !opened {
		return
	}
	defer b.Close()
	rd, err := b.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			fail(w, notFound, "No artifact at %s", key)
			return
		}
		fail(w, internalError, "cannot read %s: %s", key, err)
		return
	}
	defer rd.Close()
	ctype := mime.TypeByExtension(path.Ext(key))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.FormatInt(rd.Size(), 10))
	io.Copy(w, rd)
}

// writableRun checks that key lies in the artifacts of a live run
// (runs/RUN_ID/...): through the proxy, clients write their runs' files
// and nothing else of the artifact store (a registered version's files
// never change).
func (a *API) writableRun(r *http.Request, key string) error {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) < 3 || parts[0] != "runs" {
		return errorf(permissionDenied, "%s is not in a run's artifacts: clients write runs/RUN_ID/PATH only", key)
	}
	run, err := a.run(r, runRef{RunID: parts[1]})
	if err != nil {
		return err
	}
	if !run.Deleted.IsZero() {
		return errorf(invalidState, "The run %s must be in the 'active' state. Current state is deleted.", run.ID)
	}
	if a.proxiedURI(run.ArtifactURI) != proxyScheme+"runs/"+run.ID {
		return errorf(permissionDenied, "the artifacts of run %s are at %s, not under this server's artifact store", run.ID, run.ArtifactURI)
	}
	return nil
}

// uploadProxied is PUT mlflow-artifacts/artifacts/PATH: the body becomes
// the file, replacing it.
func (a *API) uploadProxied(w http.ResponseWriter, r *http.Request) {
	key, err := proxiedKey(r)
	if err == nil {
		err = a.writableRun(r, key)
	}
	if err != nil {
		failErr(w, err)
		return
	}
	ctx := r.Context()
	b, opened := a.openStore(w, r, true)
	if !opened {
		return
	}
	defer b.Close()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: r.Header.Get("Content-Type")})
	if err != nil {
		fail(w, internalError, "cannot write %s: %s", key, err)
		return
	}
	if _, err := io.Copy(bw, r.Body); err != nil {
		cancel() // the upload was cut off: keep no part of it
		bw.Close()
		fail(w, invalidParameter, "the upload of %s was cut off: %s", key, err)
		return
	}
	if err := bw.Close(); err != nil {
		fail(w, internalError, "cannot write %s: %s", key, err)
		return
	}
	ok(w, struct{}{})
}

// deleteProxied is DELETE mlflow-artifacts/artifacts/PATH: the file, or
// every file under the directory PATH.
func (a *API) deleteProxied(r *http.Request, _ *struct{}) (any, error) {
	key, err := proxiedKey(r)
	if err != nil {
		return nil, err
	}
	if err := a.writableRun(r, key); err != nil {
		return nil, err
	}
	ctx := r.Context()
	b, _, err := a.artifactStore(ctx, false)
	if err != nil {
		return nil, errorf(internalError, "%s", err)
	}
	defer b.Close()
	// A directory is the files under it; else key is a file.
	var keys []string
	it := b.List(&blob.ListOptions{Prefix: key + "/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) || gcerrors.Code(err) == gcerrors.NotFound {
			break
		}
		if err != nil {
			return nil, errorf(internalError, "cannot list %s: %s", key, err)
		}
		if !obj.IsDir {
			keys = append(keys, obj.Key)
		}
	}
	if len(keys) == 0 {
		if found, _ := b.Exists(ctx, key); !found {
			return nil, errorf(notFound, "No artifact at %s", key)
		}
		keys = []string{key}
	}
	for _, k := range keys {
		if err := b.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return nil, errorf(internalError, "cannot delete %s: %s", k, err)
		}
	}
	return empty, nil
}
