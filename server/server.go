package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/server/mlflow"
	"github.com/mltf/mltf/server/ui"
	"github.com/mltf/mltf/state/store"
	"github.com/mltf/mltf/state/tracking"
)

// Options are what a server serves.
type Options struct {
	// Tracking is the tracking store; required.
	Tracking *tracking.Store
	// State is the state store; nil serves no datasets and evaluates no
	// gates from a configuration's state.
	State *store.Store
	// Workspace is the workspace whose state is read.
	Workspace string
	// WorkDir is the configuration's directory (gate functions such as
	// file() resolve paths against it).
	WorkDir string
	// RunsDir holds the local runs' directories (their logs).
	RunsDir string
	// ArtifactsURL is the artifacts location of the configuration; new
	// MLflow runs store their artifacts under it.
	ArtifactsURL string
	// Log receives the access log and errors; nil discards them.
	Log *slog.Logger
	// Pipelines runs pipelines for POST /api/v1/pipelines/runs; nil: the
	// endpoint answers 501.
	Pipelines PipelineRunner
	// PipelineGrace is how long the pipeline applies started through the
	// API may go on when the server stops, before they are interrupted
	// (as Ctrl-C interrupts mltf apply); 0 is DefaultPipelineGrace.
	PipelineGrace time.Duration
}

// DefaultPipelineGrace is how long a stopping server waits for the
// pipeline applies it started before it interrupts them.
const DefaultPipelineGrace = time.Minute

// Server is mltf server's HTTP handler.
type Server struct {
	opts      Options
	mux       *http.ServeMux
	tokens    tokenCache
	pipelines pipelineRuns
}

// New returns a server for opts.
func New(opts Options) *Server {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Workspace == "" {
		opts.Workspace = "default"
	}
	if opts.PipelineGrace <= 0 {
		opts.PipelineGrace = DefaultPipelineGrace
	}
	s := &Server{opts: opts, mux: http.NewServeMux()}
	s.pipelines.applying, s.pipelines.interrupt = context.WithCancel(context.Background())
	s.route("GET /healthz", api.Public, s.healthz)
	s.route("GET /api/openapi.json", api.Public, s.openAPI)
	s.routesV1()
	ml := mlflow.New(mlflow.Options{Tracking: opts.Tracking, ArtifactsURL: opts.ArtifactsURL, Promote: s.promote,
		Register: func(r *http.Request, reg mlflow.Registration) (tracking.ModelVersion, int, error) {
			return s.register(r, registerRequest{Name: reg.Model, ArtifactURI: reg.Source, RunID: reg.RunID, Metrics: reg.Metrics})
		}})
	for _, rt := range ml.Routes() {
		s.mux.Handle(rt.Pattern, s.authorize(rt.Role, rt.Handler))
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", r.Method+" "+r.URL.Path+" is not an endpoint of this server; /api/openapi.json lists them")
	})
	s.mux.Handle("/", ui.Handler())
	return s
}

// route registers h for pattern, for callers of role need or above.
func (s *Server) route(pattern string, need api.Role, h http.HandlerFunc) {
	s.mux.Handle(pattern, s.authorize(need, h))
}

// ServeHTTP serves a request and writes its line of the access log.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	lw := &logWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(lw, r)
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", lw.status),
		slog.Int64("bytes", lw.bytes),
		slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("remote", r.RemoteAddr),
	}
	if lw.caller.Token.ID != "" {
		attrs = append(attrs, slog.String("token", lw.caller.Token.ID), slog.String("role", lw.caller.Role.String()))
	}
	s.opts.Log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// logWriter records what the access log says of a response.
type logWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	caller api.Caller
	wrote  bool
}

func (w *logWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streamed responses (logs) reach the client as written.
func (w *logWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.opts.Tracking.ListTokens(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the tracking store does not answer: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "tracking": s.opts.Tracking.Path(), "schema_version": tracking.SchemaVersion()})
}

// TLS names a certificate and its key, PEM files.
type TLS struct {
	CertFile, KeyFile string
}

// Serve serves on ln until ctx ends, then stops accepting, lets the
// requests in flight finish (up to grace), waits for the pipeline applies
// it started (see Drain) and returns. With tlsFiles set it serves HTTPS.
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsFiles *TLS, grace time.Duration) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.opts.Log.Handler(), slog.LevelWarn),
	}
	if tlsFiles != nil {
		cert, err := tls.LoadX509KeyPair(tlsFiles.CertFile, tlsFiles.KeyFile)
		if err != nil {
			return fmt.Errorf("cannot load the TLS certificate %s and key %s: %w", tlsFiles.CertFile, tlsFiles.KeyFile, err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		hs.Close()
		err = fmt.Errorf("requests still running after %s were cut off", grace)
	}
	if serr := <-done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	// No request runs any more, so no pipeline run starts.
	return errors.Join(err, s.Drain())
}
