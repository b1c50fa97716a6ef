package mlflow

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mltf/mltf/server/api"
)

// MLflow's multipart upload through the artifact proxy. A client asks for
// an upload of N parts (mpu/create/DIR with the file's local path, whose
// base name is the file's name under DIR) and gets back an upload ID and
// one URL per part; it PUTs each part to its URL without a token (the URL
// carries its own secret, as the presigned URLs of an object store do),
// reads each part's ETag, and completes the upload with the parts' numbers
// and ETags, or aborts it.
//
// The parts are kept in the server's artifact store under
// stagingPrefix/UPLOAD_ID/, beside the upload's record, so that any server
// over the same store serves every step and nothing lives only in a
// server's memory. Completing writes the file from the parts in order,
// checking each part's ETag (its MD5), then deletes them; until then the
// file is as it was.

const (
	// stagingPrefix holds the uploads in progress in the artifact store.
	stagingPrefix = ".multipart/"
	// uploadRecord is an upload's record under its staging directory.
	uploadRecord = "upload.json"
	// uploadTTL is how long an upload takes parts; older uploads are
	// removed when a new one is created.
	uploadTTL = 24 * time.Hour
	// maxParts is the most parts an upload has, as in S3.
	maxParts = 10000
)

// upload is the record of a multipart upload.
type upload struct {
	// Key is the file the upload completes, in the artifact store.
	Key   string `json:"key"`
	Parts int    `json:"parts"`
	// SecretHash is the SHA-256 of the secret the part URLs carry.
	SecretHash string    `json:"secret_hash"`
	Created    time.Time `json:"created"`
	Who        string    `json:"who"`
}

// Credential is MLflow's MultipartUploadCredential: where to PUT a part.
type Credential struct {
	URL        string            `json:"url"`
	PartNumber int               `json:"part_number"`
	Headers    map[string]string `json:"headers"`
}

// UploadPart is MLflow's MultipartUploadPart: a part that was uploaded.
type UploadPart struct {
	PartNumber int    `json:"part_number"`
	ETag       string `json:"etag"`
	URL        string `json:"url,omitempty"`
}

// mpuTarget reads the file an mpu request is about: the directory in its
// path and the base name of the client's local file (path in the body).
// Uploads reach live runs' artifacts only.
func (a *API) mpuTarget(r *http.Request, localPath string) (string, error) {
	dir, err := safePath(r.PathValue("path"))
	if err != nil {
		return "", errorf(invalidParameter, "%s", err)
	}
	if localPath == "" {
		return "", errorf(invalidParameter, "Missing value for required parameter 'path'.")
	}
	name := localPath[strings.LastIndexAny(localPath, `/\`)+1:]
	if _, err := safePath(name); err != nil || name == "" {
		return "", errorf(invalidParameter, "path %q names no file", localPath)
	}
	key := name
	if dir != "" {
		key = dir + "/" + name
	}
	if err := a.writableRun(r, key); err != nil {
		return "", err
	}
	return key, nil
}

// createUpload is POST mlflow-artifacts/mpu/create/DIR with {"path":
// LOCAL_FILE, "num_parts": N}: {"upload_id": ..., "credentials": [{"url",
// "part_number", "headers"}, ...]}.
func (a *API) createUpload(r *http.Request, req *struct {
	Path     string `json:"path"`
	NumParts Int64  `json:"num_parts"`
}) (any, error) {
	key, err := a.mpuTarget(r, req.Path)
	if err != nil {
		return nil, err
	}
	n := int(req.NumParts)
	if n == 0 {
		n = 1
	}
	if n < 1 || n > maxParts {
		return nil, errorf(invalidParameter, "num_parts is %d; an upload has 1 to %d parts", req.NumParts, maxParts)
	}
	ctx := r.Context()
	b, _, err := a.artifactStore(ctx, true)
	if err != nil {
		return nil, errorf(internalError, "%s", err)
	}
	defer b.Close()
	a.removeExpiredUploads(ctx, b)
	id, secret := randomHex(16), randomHex(32)
	sum := sha256.Sum256([]byte(secret))
	rec := upload{Key: key, Parts: n, SecretHash: hex.EncodeToString(sum[:]), Created: time.Now().UTC(), Who: api.CallerOf(ctx).Who()}
	body, _ := json.Marshal(rec)
	if err := b.WriteAll(ctx, stagingPrefix+id+"/"+uploadRecord, body, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return nil, errorf(internalError, "cannot record the upload of %s: %s", key, err)
	}
	base := requestBase(r) + ArtifactsPrefix + "mpu/parts/" + id + "/"
	creds := make([]Credential, n)
	for i := range creds {
		creds[i] = Credential{URL: base + strconv.Itoa(i+1) + "?secret=" + secret, PartNumber: i + 1, Headers: map[string]string{}}
	}
	return map[string]any{"upload_id": id, "credentials": creds}, nil
}

// requestBase is the scheme and host the client reached the server at.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// uploadID checks an upload ID from a request: the hex createUpload makes.
func uploadID(id string) error {
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return errorf(notFound, "No upload %q: upload IDs come from mlflow-artifacts/mpu/create", id)
	}
	return nil
}

// readUpload reads the record of upload id.
func readUpload(ctx context.Context, b *blob.Bucket, id string) (upload, error) {
	var rec upload
	if err := uploadID(id); err != nil {
		return rec, err
	}
	body, err := b.ReadAll(ctx, stagingPrefix+id+"/"+uploadRecord)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return rec, errorf(notFound, "No upload %s: it was completed or aborted, or never created", id)
	}
	if err == nil {
		err = json.Unmarshal(body, &rec)
	}
	if err != nil {
		return rec, errorf(internalError, "cannot read upload %s: %s", id, err)
	}
	return rec, nil
}

// partKey is where part n of upload id is kept.
func partKey(id string, n int) string {
	return fmt.Sprintf("%s%s/part-%05d", stagingPrefix, id, n)
}

// uploadPart is PUT mlflow-artifacts/mpu/parts/UPLOAD_ID/N?secret=S, the
// URL of a credential: the body is part N. It needs no token, only the
// secret, and answers with the part's ETag, its MD5, in the ETag header.
func (a *API) uploadPart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	b, opened := a.openStore(w, r, false)
	if !opened {
		return
	}
	defer b.Close()
	id := r.PathValue("id")
	rec, err := readUpload(ctx, b, id)
	if err != nil {
		failErr(w, err)
		return
	}
	sum := sha256.Sum256([]byte(r.URL.Query().Get("secret")))
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(rec.SecretHash)) != 1 {
		fail(w, permissionDenied, "this URL is not one mlflow-artifacts/mpu/create gave for upload %s", id)
		return
	}
	if time.Since(rec.Created) > uploadTTL {
		fail(w, invalidState, "upload %s was created on %s and takes no more parts after %s; create a new one", id, rec.Created.Format(time.RFC3339), uploadTTL)
		return
	}
	n, err := strconv.Atoi(r.PathValue("part"))
	if err != nil || n < 1 || n > rec.Parts {
		fail(w, invalidParameter, "upload %s has parts 1 to %d, not %s", id, rec.Parts, r.PathValue("part"))
		return
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := b.NewWriter(wctx, partKey(id, n), nil)
	if err != nil {
		fail(w, internalError, "cannot write part %d of %s: %s", n, rec.Key, err)
		return
	}
	h := md5.New()
	if _, err := io.Copy(io.MultiWriter(bw, h), r.Body); err != nil {
		cancel() // keep no part of a cut-off part
		bw.Close()
		fail(w, invalidParameter, "part %d of %s was cut off: %s", n, rec.Key, err)
		return
	}
	if err := bw.Close(); err != nil {
		fail(w, internalError, "cannot write part %d of %s: %s", n, rec.Key, err)
		return
	}
	w.Header().Set("ETag", `"`+hex.EncodeToString(h.Sum(nil))+`"`)
	ok(w, empty)
}

// uploadRef names an upload in a complete or abort request.
type uploadRef struct {
	Path     string `json:"path"`
	UploadID string `json:"upload_id"`
}

// openUpload checks that ref names an upload of the file its request is
// about and opens the artifact store holding it.
func (a *API) openUpload(r *http.Request, ref uploadRef) (*blob.Bucket, upload, error) {
	key, err := a.mpuTarget(r, ref.Path)
	if err != nil {
		return nil, upload{}, err
	}
	ctx := r.Context()
	b, _, err := a.artifactStore(ctx, false)
	if err != nil {
		return nil, upload{}, errorf(internalError, "%s", err)
	}
	rec, err := readUpload(ctx, b, ref.UploadID)
	if err == nil && rec.Key != key {
		err = errorf(invalidParameter, "upload %s is of %s, not %s", ref.UploadID, rec.Key, key)
	}
	if err != nil {
		b.Close()
		return nil, upload{}, err
	}
	return b, rec, nil
}

// completeUpload is POST mlflow-artifacts/mpu/complete/DIR with {"path",
// "upload_id", "parts": [{"part_number", "etag"}, ...]}: the parts, in
// ascending order, become the file (replacing it), and the upload ends.
func (a *API) completeUpload(r *http.Request, req *struct {
	uploadRef
	Parts []UploadPart `json:"parts"`
}) (any, error) {
	b, rec, err := a.openUpload(r, req.uploadRef)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	if len(req.Parts) == 0 {
		return nil, errorf(invalidParameter, "Missing value for required parameter 'parts'.")
	}
	for i, p := range req.Parts {
		if p.PartNumber < 1 || p.PartNumber > rec.Parts || i > 0 && p.PartNumber <= req.Parts[i-1].PartNumber {
			return nil, errorf(invalidParameter, "parts name each part of upload %s once, in ascending order, from 1 to %d", req.UploadID, rec.Parts)
		}
	}
	ctx := r.Context()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := b.NewWriter(wctx, rec.Key, nil)
	if err != nil {
		return nil, errorf(internalError, "cannot write %s: %s", rec.Key, err)
	}
	h := md5.New()
	for _, p := range req.Parts {
		if err := appendPart(ctx, b, bw, h, req.UploadID, p); err != nil {
			cancel() // the file stays as it was
			bw.Close()
			return nil, err
		}
	}
	if err := bw.Close(); err != nil {
		return nil, errorf(internalError, "cannot write %s: %s", rec.Key, err)
	}
	if err := removeUpload(ctx, b, req.UploadID); err != nil {
		return nil, errorf(internalError, "%s is written, but the parts of upload %s are not all removed: %s", rec.Key, req.UploadID, err)
	}
	return empty, nil
}

// appendPart copies part p of upload id to w, checking its ETag.
func appendPart(ctx context.Context, b *blob.Bucket, w io.Writer, h hash.Hash, id string, p UploadPart) error {
	rd, err := b.NewReader(ctx, partKey(id, p.PartNumber), nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return errorf(invalidParameter, "part %d of upload %s was not uploaded", p.PartNumber, id)
	}
	if err != nil {
		return errorf(internalError, "cannot read part %d of upload %s: %s", p.PartNumber, id, err)
	}
	defer rd.Close()
	h.Reset()
	if _, err := io.Copy(io.MultiWriter(w, h), rd); err != nil {
		return errorf(internalError, "cannot copy part %d of upload %s: %s", p.PartNumber, id, err)
	}
	if etag := strings.Trim(p.ETag, `"`); etag != "" && etag != hex.EncodeToString(h.Sum(nil)) {
		return errorf(invalidParameter, "part %d of upload %s has the ETag %q, not %q: it changed since, upload it again", p.PartNumber, id, `"`+hex.EncodeToString(h.Sum(nil))+`"`, p.ETag)
	}
	return nil
}

// abortUpload is POST mlflow-artifacts/mpu/abort/DIR with {"path",
// "upload_id"}: the upload's parts are removed; the file stays as it was.
func (a *API) abortUpload(r *http.Request, req *uploadRef) (any, error) {
	b, _, err := a.openUpload(r, *req)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	if err := removeUpload(r.Context(), b, req.UploadID); err != nil {
		return nil, errorf(internalError, "cannot remove the parts of upload %s: %s", req.UploadID, err)
	}
	return empty, nil
}

// removeUpload deletes the parts of upload id, and its record last.
func removeUpload(ctx context.Context, b *blob.Bucket, id string) error {
	dir := stagingPrefix + id + "/"
	it := b.List(&blob.ListOptions{Prefix: dir})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if obj.Key == dir+uploadRecord {
			continue
		}
		if err := b.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return err
		}
	}
	if err := b.Delete(ctx, dir+uploadRecord); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return err
	}
	return nil
}

// removeExpiredUploads removes the uploads that take no more parts
// (neither completed nor aborted by their clients); a failure leaves them
// for the next time.
func (a *API) removeExpiredUploads(ctx context.Context, b *blob.Bucket) {
	it := b.List(&blob.ListOptions{Prefix: stagingPrefix, Delimiter: "/"})
	for {
		obj, err := it.Next(ctx)
		if err != nil {
			return
		}
		id := strings.TrimSuffix(strings.TrimPrefix(obj.Key, stagingPrefix), "/")
		if rec, err := readUpload(ctx, b, id); err == nil && time.Since(rec.Created) > uploadTTL {
			removeUpload(ctx, b, id)
		}
	}
}
