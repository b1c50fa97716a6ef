package serving

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// inferRequest is an Open Inference Protocol v2 inference request (JSON).
type inferRequest struct {
	ID         string          `json:"id,omitempty"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Inputs     []inferTensor   `json:"inputs"`
}

type inferTensor struct {
	Name     string          `json:"name"`
	Shape    []int           `json:"shape"`
	Datatype string          `json:"datatype"`
	Data     json.RawMessage `json:"data"`
}

// oipError is an error answer: {"error": "..."}.
type oipError struct {
	code int
	msg  string
}

func (e *oipError) Error() string { return e.msg }

func badRequest(format string, args ...any) *oipError {
	return &oipError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func (s *Server) oipHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/health/live", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /v2/health/ready", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(readyCode(s.liveReady()))
	})
	mux.HandleFunc("GET /v2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"name": "mltf", "version": "v2", "extensions": []string{}})
	})
	mux.HandleFunc("GET /v2/models/{model}/ready", func(w http.ResponseWriter, r *http.Request) {
		if s.checkModel(w, r) {
			w.WriteHeader(readyCode(s.liveReady()))
		}
	})
	mux.HandleFunc("GET /v2/models/{model}/versions/{version}/ready", func(w http.ResponseWriter, r *http.Request) {
		if v := s.versionOf(w, r); v != nil {
			w.WriteHeader(readyCode(v.ready.Load()))
		}
	})
	mux.HandleFunc("GET /v2/models/{model}", func(w http.ResponseWriter, r *http.Request) {
		if s.checkModel(w, r) {
			s.metadata(w, nil)
		}
	})
	mux.HandleFunc("GET /v2/models/{model}/versions/{version}", func(w http.ResponseWriter, r *http.Request) {
		if v := s.versionOf(w, r); v != nil {
			s.metadata(w, v)
		}
	})
	mux.HandleFunc("POST /v2/models/{model}/infer", func(w http.ResponseWriter, r *http.Request) {
		if s.checkModel(w, r) {
			s.infer(w, r, nil)
		}
	})
	mux.HandleFunc("POST /v2/models/{model}/versions/{version}/infer", func(w http.ResponseWriter, r *http.Request) {
		if v := s.versionOf(w, r); v != nil {
			s.infer(w, r, v)
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

func readyCode(ok bool) int {
	if ok {
		return http.StatusOK
	}
	return http.StatusServiceUnavailable
}

// liveReady says whether every version with live traffic is ready.
func (s *Server) liveReady() bool {
	rt := s.routes.Load()
	if len(rt.live) == 0 {
		return false
	}
	for _, v := range rt.live {
		if !v.ready.Load() {
			return false
		}
	}
	return true
}

func (s *Server) checkModel(w http.ResponseWriter, r *http.Request) bool {
	if m := r.PathValue("model"); m != s.spec.Model {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no model %q here; this server serves %q", m, s.spec.Model)})
		return false
	}
	return true
}

func (s *Server) versionOf(w http.ResponseWriter, r *http.Request) *version {
	if !s.checkModel(w, r) {
		return nil
	}
	n, err := strconv.ParseInt(r.PathValue("version"), 10, 64)
	v := s.routes.Load().byNum[n]
	if err != nil || v == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("model %s has no version %q served here", s.spec.Model, r.PathValue("version"))})
		return nil
	}
	return v
}

// metadata answers model metadata: of v, or of the versions served.
func (s *Server) metadata(w http.ResponseWriter, v *version) {
	rt := s.routes.Load()
	var versions []string
	for n := range rt.byNum {
		versions = append(versions, strconv.FormatInt(n, 10))
	}
	if v == nil && len(rt.live) > 0 {
		v = rt.live[0]
	}
	out := map[string]any{"name": s.spec.Model, "versions": versions, "platform": "pytorch_torchscript"}
	if v != nil {
		if m := v.manifestOf(); m != nil {
			out["inputs"], out["outputs"] = m.Inputs, m.Outputs
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// infer answers one inference request: on version v when given (the
// preview endpoint), else on a version chosen by weight; shadow versions
// get a copy.
func (s *Server) infer(w http.ResponseWriter, r *http.Request, v *version) {
	start := time.Now()
	rt := s.routes.Load()
	if v == nil {
		v = rt.pick()
		if v == nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "no version of " + s.spec.Model + " takes traffic"})
			return
		}
	}
	rows, n, id, err := s.decode(r, v)
	if err == nil {
		if d := s.drift.Load(); d != nil {
			d.counter.Observe(rows)
		}
		for _, sh := range rt.shadows {
			if sh.v != v && rand.IntN(100) < sh.percent {
				go s.mirror(sh.v, rows, n)
			}
		}
		res := v.infer(r.Context(), rows, n)
		err = res.err
		if err == nil {
			s.answer(w, v, id, res)
			v.m.live.done(time.Since(start), http.StatusOK)
			return
		}
	}
	code := http.StatusInternalServerError
	var oe *oipError
	var we *workerError
	switch {
	case errors.As(err, &oe):
		code = oe.code
	case errors.As(err, &we) && we.status == http.StatusBadRequest:
		code = http.StatusBadRequest
	case errors.As(err, &we) && we.status == http.StatusServiceUnavailable:
		code = http.StatusServiceUnavailable
	case errors.Is(err, context.Canceled):
		code = 499 // the client went away
	}
	v.m.live.done(time.Since(start), code)
	writeJSON(w, code, map[string]string{"error": err.Error(), "model_name": s.spec.Model, "model_version": strconv.FormatInt(v.num, 10)})
}

// mirror sends a copy of a request to a shadow version and measures it.
func (s *Server) mirror(v *version, rows []float32, n int) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	res := v.infer(ctx, rows, n)
	code := http.StatusOK
	if res.err != nil {
		code = http.StatusInternalServerError
	}
	v.m.shadow.done(time.Since(start), code)
}

// decode reads the request's one FP32 input as rows of v's width.
func (s *Server) decode(r *http.Request, v *version) ([]float32, int, string, error) {
	var req inferRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, 0, "", badRequest("the body is not an inference request: %v", err)
	}
	if len(req.Inputs) != 1 {
		return nil, 0, req.ID, badRequest("the request has %d inputs; the model takes 1", len(req.Inputs))
	}
	in := req.Inputs[0]
	if in.Datatype != "" && in.Datatype != "FP32" && in.Datatype != "FP64" && !strings.HasPrefix(in.Datatype, "INT") {
		return nil, 0, req.ID, badRequest("input %s: datatype %s; the model takes FP32", in.Name, in.Datatype)
	}
	m := v.manifestOf()
	if m == nil {
		return nil, 0, req.ID, &oipError{http.StatusServiceUnavailable, fmt.Sprintf("version %d is not ready", v.num)}
	}
	width := m.Width()
	var rows []float32
	if err := json.Unmarshal(in.Data, &rows); err != nil {
		rows = nil
		var nested [][]float32
		if err2 := json.Unmarshal(in.Data, &nested); err2 != nil {
			return nil, 0, req.ID, badRequest("input %s: data must be numbers, flat or as rows: %v", in.Name, err)
		}
		for _, row := range nested {
			rows = append(rows, row...)
		}
	}
	if len(rows) == 0 || len(rows)%width != 0 {
		return nil, 0, req.ID, badRequest("input %s: %d values are not rows of %d columns", in.Name, len(rows), width)
	}
	n := len(rows) / width
	if len(in.Shape) > 0 {
		size := 1
		for _, d := range in.Shape {
			size *= d
		}
		if size != len(rows) || in.Shape[len(in.Shape)-1] != width {
			return nil, 0, req.ID, badRequest("input %s: shape %v does not match %d values of %d columns", in.Name, in.Shape, len(rows), width)
		}
	}
	return rows, n, req.ID, nil
}

// answer writes an inference response, its numbers formatted directly.
func (s *Server) answer(w http.ResponseWriter, v *version, id string, res result) {
	b := make([]byte, 0, 96+len(res.out)*12)
	b = append(b, `{"model_name":`...)
	b = strconv.AppendQuote(b, s.spec.Model)
	b = append(b, `,"model_version":"`...)
	b = strconv.AppendInt(b, v.num, 10)
	b = append(b, '"')
	if id != "" {
		b = append(b, `,"id":`...)
		b = strconv.AppendQuote(b, id)
	}
	name := "output"
	if m := v.manifestOf(); m != nil && len(m.Outputs) > 0 {
		name = m.Outputs[0].Name
	}
	b = append(b, `,"outputs":[{"name":`...)
	b = strconv.AppendQuote(b, name)
	b = append(b, `,"datatype":"FP32","shape":[`...)
	for i, d := range res.shape {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	b = append(b, `],"data":[`...)
	for i, f := range res.out {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
	}
	b = append(b, "]}]}"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}
