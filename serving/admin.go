package serving

import (
	"encoding/json"
	"net/http"
	"sort"
	"time"
)

// Stats are a front end's cumulative counts at one time: a window is the
// difference of two (see Window).
type Stats struct {
	Time     time.Time      `json:"time"`
	Model    string         `json:"model"`
	Versions []VersionStats `json:"versions"`
	// Drift are the live inputs counted in the baseline's bins, by column;
	// Columns names them.
	Drift   [][]int64 `json:"drift,omitempty"`
	Columns []string  `json:"columns,omitempty"`
}

// VersionStats is one version of Stats.
type VersionStats struct {
	Version      int64     `json:"version"`
	Weight       int       `json:"weight"`
	Shadow       int       `json:"shadow,omitempty"`
	Ready        bool      `json:"ready"`
	ReadyWorkers int       `json:"ready_workers"`
	Workers      int       `json:"workers"`
	Live         RoleStats `json:"live"`
	Mirrored     RoleStats `json:"mirrored"`
	Batches      int64     `json:"batches"`
	BatchRows    int64     `json:"batch_rows"`
	// Replicas is how many workers the version should have (see
	// Version.Replicas); 0 when it has as many as it names or spawns.
	Replicas int `json:"replicas,omitempty"`
	// Endpoints are its workers now, with the batches sent to each.
	Endpoints []WorkerStats `json:"endpoints"`
}

// WorkerStats is one worker of a version: its address, whether it serves,
// and the batches and rows sent to it.
type WorkerStats struct {
	Addr    string `json:"addr"`
	Ready   bool   `json:"ready"`
	Batches int64  `json:"batches"`
	Rows    int64  `json:"rows"`
}

// AllReady says whether every worker the version should have is ready.
func (v VersionStats) AllReady() bool {
	return v.Ready && v.ReadyWorkers == v.Workers && v.ReadyWorkers >= v.Replicas
}

// RoleStats counts the requests of one role (live or shadow): their
// number, the failed ones, and their latency buckets (see Quantile).
type RoleStats struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	Latency  []int64 `json:"latency"`
}

func (r *roleMetrics) stats() RoleStats {
	return RoleStats{Requests: r.requests.Load(), Errors: r.errors.Load(), Latency: r.latency.Snapshot()}
}

// Stats returns the counts now.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	specs := append([]Version(nil), s.spec.Versions...)
	vs := map[int64]*version{}
	for k, v := range s.versions {
		vs[k] = v
	}
	s.mu.Unlock()
	st := Stats{Time: time.Now(), Model: s.spec.Model}
	for _, spec := range specs {
		v := vs[spec.Version]
		if v == nil {
			continue
		}
		v.mu.Lock()
		workers := len(v.workers)
		v.mu.Unlock()
		st.Versions = append(st.Versions, VersionStats{
			Version: spec.Version, Weight: spec.Weight, Shadow: spec.Shadow, Ready: v.ready.Load(),
			ReadyWorkers: v.readyWorkers(), Workers: workers,
			Live: v.m.live.stats(), Mirrored: v.m.shadow.stats(),
			Batches: v.m.batchCount.Load(), BatchRows: v.m.batchRows.Load(),
			Replicas: v.replicas, Endpoints: v.workerStats(),
		})
	}
	sort.Slice(st.Versions, func(i, j int) bool { return st.Versions[i].Version < st.Versions[j].Version })
	if d := s.drift.Load(); d != nil {
		st.Drift = d.counter.Snapshot()
		for _, c := range d.base.Columns {
			st.Columns = append(st.Columns, c.Name)
		}
	}
	return st
}

// baselineRequest is the body of PUT /admin/baseline.
type baselineRequest struct {
	Baseline *Baseline `json:"baseline"`
	Note     string    `json:"note,omitempty"`
}

// applyRequest is the body of PUT /admin/versions.
type applyRequest struct {
	Versions []Version `json:"versions"`
	Note     string    `json:"note,omitempty"`
}

// adminHandler serves the admin API:
//
//	GET  /admin/stats      Stats
//	GET  /admin/spec       the Spec served now
//	GET  /admin/timeline   the timeline (TimelineFile), JSON lines
//	PUT  /admin/versions   {"versions": [...], "note": "..."}: what to serve
//	PUT  /admin/baseline   {"baseline": {...} or null, "note": "..."}: what input drift is measured against
//	POST /admin/event      {"note": "..."}: a line in the timeline
//	POST /admin/stop       stop the front end and its workers
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats())
	})
	mux.HandleFunc("GET /admin/spec", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		spec := s.spec
		spec.Versions = append([]Version(nil), s.spec.Versions...)
		s.mu.Unlock()
		spec.Listen, spec.Admin = s.publicAddr, s.adminAddr
		writeJSON(w, http.StatusOK, spec)
	})
	mux.HandleFunc("GET /admin/timeline", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jsonl")
		if err := s.serveTimeline(w); err != nil {
			s.logf("timeline: %v", err)
		}
	})
	mux.HandleFunc("PUT /admin/versions", func(w http.ResponseWriter, r *http.Request) {
		var req applyRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if err := s.Apply(req.Versions, req.Note); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, s.Stats())
	})
	mux.HandleFunc("PUT /admin/baseline", func(w http.ResponseWriter, r *http.Request) {
		var req baselineRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		s.SetBaseline(req.Baseline, req.Note)
		writeJSON(w, http.StatusOK, map[string]string{})
	})
	mux.HandleFunc("POST /admin/event", func(w http.ResponseWriter, r *http.Request) {
		var req applyRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		s.mu.Lock()
		vs := append([]Version(nil), s.spec.Versions...)
		s.mu.Unlock()
		s.timeline.event(req.Note, vs)
		writeJSON(w, http.StatusOK, map[string]string{})
	})
	mux.HandleFunc("POST /admin/stop", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{})
		go s.Close()
	})
	return mux
}
