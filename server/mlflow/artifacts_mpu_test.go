package mlflow_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// mlflowClient sends requests as MLflow's Python client does: JSON to
// /api/2.0/... with the token, and parts to their credentials' URLs
// without it.
type mlflowClient struct {
	t           *testing.T
	base, token string
}

// call sends a JSON request and decodes the answer into out (when not
// nil); it returns the status and the body.
func (c mlflowClient) call(method, path, token string, body any, out any) (int, string) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(got, out); err != nil {
			c.t.Fatalf("%s %s: %v\n%s", method, path, err, got)
		}
	}
	return resp.StatusCode, string(got)
}

// createResponse is MLflow's CreateMultipartUpload.Response.
type createResponse struct {
	UploadID    string `json:"upload_id"`
	Credentials []struct {
		URL        string            `json:"url"`
		PartNumber int               `json:"part_number"`
		Headers    map[string]string `json:"headers"`
	} `json:"credentials"`
}

// putPart is HttpArtifactRepository._upload_part: PUT the chunk to the
// credential's URL with its headers, and the ETag of the answer.
func putPart(t *testing.T, url string, headers map[string]string, chunk []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(chunk))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("ETag")
}

// TestMultipartUpload uploads a file in parts as MLflow's client does
// when MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD is set (mpu/create, a PUT per
// credential, mpu/complete, or mpu/abort after a failure), with the
// request shapes of MLflow's REST API, on each tracking database.
func TestMultipartUpload(t *testing.T) {
	for _, db := range stores {
		t.Run(db.name, func(t *testing.T) { testMultipartUpload(t, db.url(t)) })
	}
}

func testMultipartUpload(t *testing.T, url string) {
	base, token := newServer(t, url)
	c := mlflowClient{t: t, base: base, token: token}
	var exp struct {
		ID string `json:"experiment_id"`
	}
	c.call("POST", "/api/2.0/mlflow/experiments/create", token, map[string]any{"name": "big-files"}, &exp)
	var created struct {
		Run struct {
			Info struct {
				RunID       string `json:"run_id"`
				ArtifactURI string `json:"artifact_uri"`
			} `json:"info"`
		} `json:"run"`
	}
	c.call("POST", "/api/2.0/mlflow/runs/create", token, map[string]any{"experiment_id": exp.ID}, &created)
	run := created.Run.Info.RunID
	if created.Run.Info.ArtifactURI != "mlflow-artifacts:/runs/"+run {
		t.Fatalf("artifact_uri = %q", created.Run.Info.ArtifactURI)
	}
	// The client's endpoints: its artifact URI's path after
	// /mlflow-artifacts/artifacts, and the artifact path, under mpu/ACTION.
	mpu := func(action string) string {
		return "/api/2.0/mlflow-artifacts/mpu/" + action + "/runs/" + run + "/model"
	}
	localFile := "/home/ml/checkpoints/weights.bin"

	content := make([]byte, 2500)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte(rng.IntN(256))
	}
	chunk := 1000
	var create createResponse
	if status, body := c.call("POST", mpu("create"), token, map[string]any{"path": localFile, "num_parts": 3}, &create); status != http.StatusOK {
		t.Fatalf("mpu/create: %d %s", status, body)
	}
	if len(create.UploadID) == 0 || len(create.Credentials) != 3 {
		t.Fatalf("mpu/create answered %+v", create)
	}
	type part struct {
		PartNumber int    `json:"part_number"`
		ETag       string `json:"etag"`
		URL        string `json:"url"`
	}
	var parts []part
	// Uploaded in reverse, as a pool of threads may.
	for i := len(create.Credentials) - 1; i >= 0; i-- {
		cr := create.Credentials[i]
		if cr.PartNumber != i+1 || !strings.HasPrefix(cr.URL, base+"/") {
			t.Fatalf("credential %d: %+v", i, cr)
		}
		data := content[i*chunk : min((i+1)*chunk, len(content))]
		status, etag := putPart(t, cr.URL, cr.Headers, data)
		sum := md5.Sum(data)
		if status != http.StatusOK || etag != `"`+hex.EncodeToString(sum[:])+`"` {
			t.Fatalf("part %d: status %d, ETag %q", cr.PartNumber, status, etag)
		}
		parts = append([]part{{PartNumber: cr.PartNumber, ETag: etag, URL: cr.URL}}, parts...)
	}
	file := "/api/2.0/mlflow-artifacts/artifacts/runs/" + run + "/model/weights.bin"
	if status, _ := c.call("GET", file, token, nil, nil); status != http.StatusNotFound {
		t.Errorf("the file exists before the upload is complete: %d", status)
	}

	// What a part's URL takes and refuses.
	cr := create.Credentials[0]
	noSecret, _, _ := strings.Cut(cr.URL, "?")
	for _, tt := range []struct {
		name, url string
		want      int
	}{
		{"without the secret", noSecret, http.StatusForbidden},
		{"with another secret", noSecret + "?secret=" + strings.Repeat("ab", 32), http.StatusForbidden},
		{"a part the upload does not have", strings.Replace(cr.URL, "/1?", "/4?", 1), http.StatusBadRequest},
		{"an unknown upload", strings.Replace(cr.URL, create.UploadID, strings.Repeat("0", 32), 1), http.StatusNotFound},
		{"an upload ID that is no ID", strings.Replace(cr.URL, create.UploadID, "..", 1), http.StatusNotFound},
	} {
		if status, _ := putPart(t, tt.url, nil, []byte("x")); status != tt.want {
			t.Errorf("a part PUT %s: %d, want %d", tt.name, status, tt.want)
		}
	}

	// Completing with a part that is not the one uploaded changes nothing.
	wrong := append([]part(nil), parts...)
	wrong[1].ETag = `"00000000000000000000000000000000"`
	if status, body := c.call("POST", mpu("complete"), token, map[string]any{"path": localFile, "upload_id": create.UploadID, "parts": wrong}, nil); status != http.StatusBadRequest || !strings.Contains(body, "part 2") {
		t.Errorf("mpu/complete with a wrong ETag: %d %s", status, body)
	}
	if status, _ := c.call("GET", file, token, nil, nil); status != http.StatusNotFound {
		t.Errorf("a refused completion wrote the file: %d", status)
	}
	if status, body := c.call("POST", mpu("complete"), token, map[string]any{"path": "/elsewhere/other.bin", "upload_id": create.UploadID, "parts": parts}, nil); status != http.StatusBadRequest {
		t.Errorf("mpu/complete of another file: %d %s", status, body)
	}

	if status, body := c.call("POST", mpu("complete"), token, map[string]any{"path": localFile, "upload_id": create.UploadID, "parts": parts}, nil); status != http.StatusOK || strings.TrimSpace(body) != "{}" {
		t.Fatalf("mpu/complete: %d %s", status, body)
	}
	if status, body := c.call("GET", file, token, nil, nil); status != http.StatusOK || body != string(content) {
		t.Errorf("the uploaded file: status %d, %d bytes, want the %d bytes sent", status, len(body), len(content))
	}
	var listing struct {
		Files []struct {
			Path     string `json:"path"`
			FileSize int64  `json:"file_size"`
		} `json:"files"`
	}
	c.call("GET", "/api/2.0/mlflow/artifacts/list?run_id="+run+"&path=model", token, nil, &listing)
	if len(listing.Files) != 1 || listing.Files[0].Path != "model/weights.bin" || listing.Files[0].FileSize != int64(len(content)) {
		t.Errorf("artifacts/list after the upload: %+v", listing)
	}
	// Nothing of the upload is left, and uploads in progress never show.
	if _, body := c.call("GET", "/api/2.0/mlflow-artifacts/artifacts?path=.multipart", token, nil, nil); strings.TrimSpace(body) != "{}" {
		t.Errorf("the upload's parts are left: %s", body)
	}
	if status, _ := putPart(t, cr.URL, nil, []byte("late")); status != http.StatusNotFound {
		t.Errorf("a part PUT after completion: %d, want 404", status)
	}

	// A failed upload is aborted: its parts go, the file stays as it was.
	var second createResponse
	c.call("POST", mpu("create"), token, map[string]any{"path": localFile, "num_parts": 2}, &second)
	if status, _ := putPart(t, second.Credentials[0].URL, second.Credentials[0].Headers, []byte("new first part")); status != http.StatusOK {
		t.Fatalf("part 1 of the second upload: %d", status)
	}
	if _, body := c.call("GET", "/api/2.0/mlflow-artifacts/artifacts", token, nil, nil); strings.Contains(body, "multipart") {
		t.Errorf("the artifact store's listing shows the uploads in progress: %s", body)
	}
	if status, body := c.call("POST", mpu("abort"), token, map[string]any{"path": localFile, "upload_id": second.UploadID}, nil); status != http.StatusOK {
		t.Fatalf("mpu/abort: %d %s", status, body)
	}
	if status, body := c.call("POST", mpu("complete"), token, map[string]any{"path": localFile, "upload_id": second.UploadID,
		"parts": []part{{PartNumber: 1}}}, nil); status != http.StatusNotFound {
		t.Errorf("mpu/complete after abort: %d %s", status, body)
	}
	if status, _ := putPart(t, second.Credentials[1].URL, nil, []byte("x")); status != http.StatusNotFound {
		t.Errorf("a part PUT after abort: %d, want 404", status)
	}
	if _, body := c.call("GET", file, token, nil, nil); body != string(content) {
		t.Errorf("an aborted upload changed the file")
	}

	// Where a client may upload (which tokens may: TestRoles).
	for _, tt := range []struct {
		name, path, token string
		body              any
		want              int
	}{
		{"without a token", mpu("create"), "", map[string]any{"path": localFile, "num_parts": 1}, http.StatusUnauthorized},
		{"outside a run's artifacts", "/api/2.0/mlflow-artifacts/mpu/create/models/ranker/1", token, map[string]any{"path": localFile, "num_parts": 1}, http.StatusForbidden},
		{"for an unknown run", "/api/2.0/mlflow-artifacts/mpu/create/runs/nope/model", token, map[string]any{"path": localFile, "num_parts": 1}, http.StatusNotFound},
		{"without a path", mpu("create"), token, map[string]any{"num_parts": 1}, http.StatusBadRequest},
		{"of a path that names no file", mpu("create"), token, map[string]any{"path": "/home/ml/", "num_parts": 1}, http.StatusBadRequest},
		{"of too many parts", mpu("create"), token, map[string]any{"path": localFile, "num_parts": 10001}, http.StatusBadRequest},
	} {
		if status, body := c.call("POST", tt.path, tt.token, tt.body, nil); status != tt.want {
			t.Errorf("mpu/create %s: %d, want %d: %s", tt.name, status, tt.want, body)
		}
	}
	c.call("POST", "/api/2.0/mlflow/runs/delete", token, map[string]any{"run_id": run}, nil)
	if status, body := c.call("POST", mpu("create"), token, map[string]any{"path": localFile, "num_parts": 1}, nil); status != http.StatusBadRequest || !strings.Contains(body, "INVALID_STATE") {
		t.Errorf("mpu/create for a deleted run: %d %s", status, body)
	}
}
