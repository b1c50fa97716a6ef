package serving

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a running front end.
type Server struct {
	dir  string // logs of spawned workers, timeline.jsonl
	logf func(string, ...any)

	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex // held while the versions change
	spec     Spec
	versions map[int64]*version
	routes   atomic.Pointer[routes]

	metrics *metrics
	// drift counts live inputs in the bins of the baseline served now;
	// nil without one. SetBaseline swaps it whole.
	drift atomic.Pointer[driftState]

	// lookup resolves the host names of workers' addresses, every
	// resolveEvery.
	lookup       lookupFunc
	resolveEvery time.Duration

	public, admin *http.Server
	publicAddr    string
	adminAddr     string
	timeline      *timeline
}

// routes is an immutable routing table, swapped whole.
type routes struct {
	live    []*version
	cum     []int // cumulative weights of live
	total   int
	shadows []shadowRoute
	byNum   map[int64]*version
}

type shadowRoute struct {
	v       *version
	percent int
}

// pick chooses the version of one live request by weight.
func (r *routes) pick() *version {
	if r.total == 0 {
		return nil
	}
	n := rand.IntN(r.total)
	i := sort.SearchInts(r.cum, n+1)
	return r.live[i]
}

// Start starts a front end for spec: its workers, its public listener
// (OIP v2 and /metrics) and its admin listener. dir receives the workers'
// logs and the timeline.
func Start(ctx context.Context, spec Spec, dir string, logf func(string, ...any)) (*Server, error) {
	if err := spec.Check(); err != nil {
		return nil, err
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Server{dir: dir, logf: logf, ctx: ctx, cancel: cancel, versions: map[int64]*version{},
		lookup: net.DefaultResolver.LookupHost, resolveEvery: resolveEvery}
	if spec.Baseline != nil {
		s.drift.Store(&driftState{base: spec.Baseline, counter: NewDriftCounter(spec.Baseline)})
	}
	s.metrics = newMetrics(spec.Model, s.columnDrift)
	s.spec = Spec{Model: spec.Model, Listen: spec.Listen, Admin: spec.Admin, Batching: spec.Batching, Baseline: spec.Baseline}
	s.routes.Store(&routes{byNum: map[int64]*version{}})
	tl, err := openTimeline(dir)
	if err != nil {
		cancel()
		return nil, err
	}
	s.timeline = tl
	if err := s.Apply(spec.Versions, "started"); err != nil {
		s.Close()
		return nil, err
	}
	pub, err := net.Listen("tcp", spec.Listen)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot listen on %s: %w", spec.Listen, err)
	}
	adm, err := net.Listen("tcp", spec.Admin)
	if err != nil {
		pub.Close()
		s.Close()
		return nil, fmt.Errorf("cannot listen on %s for the admin API: %w", spec.Admin, err)
	}
	s.publicAddr, s.adminAddr = pub.Addr().String(), adm.Addr().String()
	s.public = &http.Server{Handler: s.oipHandler(), ReadHeaderTimeout: 10 * time.Second}
	s.admin = &http.Server{Handler: s.adminHandler(), ReadHeaderTimeout: 10 * time.Second}
	go s.public.Serve(pub)
	go s.admin.Serve(adm)
	go s.timeline.run(ctx, s.sample)
	return s, nil
}

// driftState is a baseline and the live inputs counted in its bins.
type driftState struct {
	base    *Baseline
	counter *DriftCounter
}

// columnDrift is the drift of each column since the baseline was set.
func (s *Server) columnDrift() []ColumnDrift {
	d := s.drift.Load()
	if d == nil {
		return nil
	}
	cols, _ := d.base.Drift(d.counter.Snapshot())
	return cols
}

// SetBaseline makes b the distribution live inputs are compared with
// (nil: none), counting from zero: the serving version's training data,
// once a rollout completes.
func (s *Server) SetBaseline(b *Baseline, note string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b == nil {
		s.drift.Store(nil)
	} else {
		s.drift.Store(&driftState{base: b, counter: NewDriftCounter(b)})
	}
	s.spec.Baseline = b
	if note != "" {
		s.timeline.event(note, append([]Version(nil), s.spec.Versions...))
	}
}

// Addr is where the public listener listens.
func (s *Server) Addr() string { return s.publicAddr }

// AdminAddr is where the admin API listens.
func (s *Server) AdminAddr() string { return s.adminAddr }

// Done is closed when the server stops (Close, or the admin API's stop).
func (s *Server) Done() <-chan struct{} { return s.ctx.Done() }

// Apply makes versions what the front end serves: new versions start and
// get their weight once ready; versions no longer listed get no new
// requests, finish what they have and stop. note is written to the
// timeline ("canary 25%").
func (s *Server) Apply(versions []Version, note string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := Spec{Model: s.spec.Model, Batching: s.spec.Batching, Versions: versions}
	if err := next.Check(); err != nil {
		return err
	}
	want := map[int64]Version{}
	for _, v := range versions {
		want[v.Version] = v
		if _, ok := s.versions[v.Version]; ok {
			continue
		}
		nv := newVersion(s.ctx, v, s.spec.Batching, s.metrics.forVersion(v.Version), s.resolveEvery)
		if err := nv.start(v, s.dir, s.logf, s.lookup); err != nil {
			nv.stop(0)
			return err
		}
		s.versions[v.Version] = nv
	}
	var gone []*version
	for num, v := range s.versions {
		if _, ok := want[num]; !ok {
			gone = append(gone, v)
			delete(s.versions, num)
		}
	}
	s.swapRoutes(want)
	s.spec.Versions = versions
	for _, v := range gone {
		s.metrics.weight.DeleteLabelValues(strconv.FormatInt(v.num, 10))
		s.metrics.shadow.DeleteLabelValues(strconv.FormatInt(v.num, 10))
		go v.stop(30 * time.Second)
	}
	s.timeline.event(note, versions)
	return nil
}

func (s *Server) swapRoutes(want map[int64]Version) {
	r := &routes{byNum: map[int64]*version{}}
	nums := make([]int64, 0, len(want))
	for n := range want {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	total := 0
	for _, n := range nums {
		total += want[n].Weight
	}
	for _, n := range nums {
		spec, v := want[n], s.versions[n]
		r.byNum[n] = v
		pct := 0.0
		if total > 0 {
			pct = 100 * float64(spec.Weight) / float64(total)
		}
		s.metrics.weight.WithLabelValues(strconv.FormatInt(n, 10)).Set(pct)
		s.metrics.shadow.WithLabelValues(strconv.FormatInt(n, 10)).Set(float64(spec.Shadow))
		if spec.Weight > 0 {
			r.total += spec.Weight
			r.live = append(r.live, v)
			r.cum = append(r.cum, r.total)
		}
		if spec.Shadow > 0 {
			r.shadows = append(r.shadows, shadowRoute{v: v, percent: spec.Shadow})
		}
	}
	s.routes.Store(r)
}

// Close stops the listeners and every version.
func (s *Server) Close() {
	if s.public != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s.public.Shutdown(ctx)
		cancel()
	}
	s.mu.Lock()
	vs := s.versions
	s.versions = map[int64]*version{}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, v := range vs {
		wg.Add(1)
		go func() { defer wg.Done(); v.stop(5 * time.Second) }()
	}
	wg.Wait()
	s.cancel()
	if s.admin != nil {
		s.admin.Close()
	}
	if s.timeline != nil {
		s.timeline.close()
	}
}
