package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mltf/mltf/providers/artifactstore"
)

// Artifact is one file of a run's artifacts.
type Artifact struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

func (s *Server) listArtifacts(w http.ResponseWriter, r *http.Request) {
	run, ok := s.findRun(w, r)
	if !ok {
		return
	}
	out := []Artifact{}
	if run.ArtifactURI == "" {
		writeJSON(w, http.StatusOK, map[string]any{"artifact_uri": "", "files": out})
		return
	}
	b, prefix, err := artifactstore.OpenURI(r.Context(), run.ArtifactURI)
	if err != nil {
		writeError(w, http.StatusBadGateway, "ARTIFACTS_UNAVAILABLE", err.Error())
		return
	}
	defer b.Close()
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for len(out) < 10_000 {
		obj, err := it.Next(r.Context())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if gcerrors.Code(err) == gcerrors.NotFound || os.IsNotExist(errors.Unwrap(err)) {
				break
			}
			writeError(w, http.StatusBadGateway, "ARTIFACTS_UNAVAILABLE", "cannot list "+run.ArtifactURI+": "+err.Error())
			return
		}
		if !obj.IsDir {
			out = append(out, Artifact{Path: strings.TrimPrefix(obj.Key, prefix), Size: obj.Size})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"artifact_uri": run.ArtifactURI, "files": out})
}

func (s *Server) getArtifact(w http.ResponseWriter, r *http.Request) {
	run, ok := s.findRun(w, r)
	if !ok {
		return
	}
	p := r.PathValue("path")
	if run.ArtifactURI == "" || p == "" || strings.Contains("/"+p+"/", "/../") {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "run "+run.ID+" has no artifact "+p)
		return
	}
	b, prefix, err := artifactstore.OpenURI(r.Context(), run.ArtifactURI)
	if err != nil {
		writeError(w, http.StatusBadGateway, "ARTIFACTS_UNAVAILABLE", err.Error())
		return
	}
	defer b.Close()
	rd, err := b.NewReader(r.Context(), prefix+p, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "run "+run.ID+" has no artifact "+p)
			return
		}
		writeError(w, http.StatusBadGateway, "ARTIFACTS_UNAVAILABLE", err.Error())
		return
	}
	defer rd.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(rd.Size(), 10))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", filepath.Base(p)))
	io.Copy(w, rd)
}

// runLogs sends the log of one rank of a local run, from offset on:
// rank (default 0), offset (bytes; default 0). X-Log-Offset is where the
// next request starts, X-Run-Status the run's status, so a page follows a
// running training.
func (s *Server) runLogs(w http.ResponseWriter, r *http.Request) {
	run, ok := s.findRun(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	rank, err := strconv.Atoi(q.Get("rank"))
	if q.Get("rank") == "" {
		rank, err = 0, nil
	}
	if err != nil || rank < 0 {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "rank is a rank number: 0, 1, ...")
		return
	}
	var offset int64
	if o := q.Get("offset"); o != "" {
		if offset, err = strconv.ParseInt(o, 10, 64); err != nil || offset < 0 {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "offset is a byte offset")
			return
		}
	}
	if s.opts.RunsDir == "" {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "this server knows no runs directory")
		return
	}
	dir := filepath.Join(s.opts.RunsDir, filepath.Base(run.ID))
	f, err := os.Open(filepath.Join(dir, "logs", fmt.Sprintf("rank-%d.log", rank)))
	if err != nil {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST",
			fmt.Sprintf("no log of rank %d for run %s on this machine: logs are kept in the run directory of the machine that ran it", rank, run.ID))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		writeStoreError(w, err)
		return
	}
	offset = min(offset, st.Size())
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		writeStoreError(w, err)
		return
	}
	const maxChunk = 1 << 20
	n := min(st.Size()-offset, maxChunk)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Log-Offset", strconv.FormatInt(offset+n, 10))
	w.Header().Set("X-Run-Status", run.Status)
	io.CopyN(w, f, n)
}

// decodeObject reads a JSON object.
func decodeObject(b []byte) (map[string]any, error) {
	var m map[string]any
	err := json.Unmarshal(b, &m)
	return m, err
}
