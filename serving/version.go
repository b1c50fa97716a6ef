package serving

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// call is one request's rows waiting for a batch.
type call struct {
	rows    []float32
	n       int // rows
	queued  time.Time
	retries int
	done    chan result
}

type result struct {
	out   []float32
	shape []int // of the call's own rows
	err   error
}

// version is one served model version: its workers, its queue and what is
// measured of it.
type version struct {
	num      int64
	batching Batching
	queue    chan *call
	retry    chan *call // batches of a worker that went away, served first

	mu       sync.Mutex
	manifest *Manifest
	workers  []*workerClient
	procs    *spawner

	ready    atomic.Bool
	inflight atomic.Int32
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	m *versionMetrics
	// replicas is how many workers the version should have (Version's).
	replicas     int
	resolveEvery time.Duration
}

func newVersion(parent context.Context, v Version, b Batching, m *versionMetrics, resolveEvery time.Duration) *version {
	ctx, cancel := context.WithCancel(parent)
	return &version{num: v.Version, batching: b, queue: make(chan *call, 8192), retry: make(chan *call, 8192),
		ctx: ctx, cancel: cancel, m: m, replicas: v.Replicas, resolveEvery: resolveEvery}
}

// start connects to the version's workers (starting them first when the
// spec says so); each worker serves batches once it is ready. A worker
// address whose host is a name (on Kubernetes, the version's headless
// Service) stands for every address the name resolves to: each is a worker
// of its own, found again every resolveEvery (see discover).
func (v *version) start(spec Version, dir string, logf func(string, ...any), lookup lookupFunc) error {
	if spec.Spawn != nil {
		sp, err := startSpawner(v.ctx, v.num, *spec.Spawn, dir, logf)
		if err != nil {
			return err
		}
		v.procs = sp
		for _, a := range sp.addrs() {
			v.addWorker(a)
		}
		return nil
	}
	var names []string
	for _, a := range spec.Workers {
		host, _, err := net.SplitHostPort(a)
		if err != nil {
			return fmt.Errorf("version %d: worker address %q: %w", v.num, a, err)
		}
		if net.ParseIP(host) != nil {
			v.addWorker(a)
		} else {
			names = append(names, a)
		}
	}
	if len(names) > 0 {
		v.resolve(names, lookup, logf) // the first addresses at once
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			v.discover(names, lookup, logf)
		}()
	}
	return nil
}

// lookupFunc resolves a host name to addresses, as net.Resolver.LookupHost.
type lookupFunc func(ctx context.Context, host string) ([]string, error)

// resolveEvery is how often the names of a version's workers are resolved
// again: a Service's DNS records follow its ready pods within seconds.
const resolveEvery = 2 * time.Second

// discover resolves names every resolveEvery until the version stops.
func (v *version) discover(names []string, lookup lookupFunc, logf func(string, ...any)) {
	tick := time.NewTicker(v.resolveEvery)
	defer tick.Stop()
	for {
		select {
		case <-v.ctx.Done():
			return
		case <-tick.C:
		}
		v.resolve(names, lookup, logf)
	}
}

// resolve makes the version's workers the addresses names resolve to now:
// a new address gets a worker, a worker whose address is gone stops once
// its batch is answered. A name that cannot be resolved for a reason other
// than not existing (a DNS server that does not answer) keeps its workers.
func (v *version) resolve(names []string, lookup lookupFunc, logf func(string, ...any)) {
	want := map[string]bool{}
	for _, a := range names {
		host, port, _ := net.SplitHostPort(a)
		ctx, cancel := context.WithTimeout(v.ctx, 5*time.Second)
		ips, err := lookup(ctx, host)
		cancel()
		var dnsErr *net.DNSError
		if err != nil && !(errors.As(err, &dnsErr) && dnsErr.IsNotFound) {
			if v.ctx.Err() == nil {
				logf("version %d: cannot resolve %s: %v; its workers stay as they are", v.num, host, err)
			}
			return
		}
		for _, ip := range ips {
			want[net.JoinHostPort(ip, port)] = true
		}
	}
	v.mu.Lock()
	var gone []*workerClient
	kept := v.workers[:0]
	for _, w := range v.workers {
		if want[w.addr] {
			kept = append(kept, w)
			delete(want, w.addr)
		} else {
			gone = append(gone, w)
		}
	}
	v.workers = kept
	v.mu.Unlock()
	for _, w := range gone {
		w.cancel()
	}
	added := slices.Sorted(maps.Keys(want))
	for _, a := range added {
		v.addWorker(a)
	}
	if len(gone) > 0 || len(added) > 0 {
		logf("version %d: workers %v (%d added, %d gone)", v.num, v.addrs(), len(added), len(gone))
	}
}

// addrs are the addresses of the version's workers.
func (v *version) addrs() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]string, len(v.workers))
	for i, w := range v.workers {
		out[i] = w.addr
	}
	return out
}

func (v *version) addWorker(addr string) {
	w := newWorkerClient(v.ctx, addr)
	v.mu.Lock()
	v.workers = append(v.workers, w)
	v.mu.Unlock()
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		defer w.http.CloseIdleConnections()
		v.serve(w)
	}()
}

// serve feeds batches to w while it is ready, and waits for it when it is
// not.
func (v *version) serve(w *workerClient) {
	for w.ctx.Err() == nil {
		if !w.ready.Load() {
			if !w.health(w.ctx) {
				select {
				case <-w.ctx.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
			if v.manifestOf() == nil {
				m, err := w.metadata(w.ctx)
				if err != nil {
					continue
				}
				v.mu.Lock()
				if v.manifest == nil {
					v.manifest = m
				}
				v.mu.Unlock()
			}
			w.ready.Store(true)
			v.ready.Store(true)
		}
		batch := v.next(w.ctx.Done())
		if batch == nil {
			return
		}
		v.run(w, batch)
	}
}

func (v *version) manifestOf() *Manifest {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.manifest
}

// next waits for a call and gathers a batch: what is queued now, and, while
// other batches are in flight (load is high), what arrives until the first
// call has waited MaxLatency or the batch is full. At low load a request
// is sent alone at once. It returns nil once stop is closed (the worker
// asking goes away).
func (v *version) next(stop <-chan struct{}) []*call {
	var first *call
	select {
	case first = <-v.retry:
	default:
		select {
		case first = <-v.retry:
		case first = <-v.queue:
		case <-stop:
			return nil
		}
	}
	batch, rows := []*call{first}, first.n
	deadline := first.queued.Add(time.Duration(v.batching.MaxLatency))
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for rows < v.batching.MaxBatchSize {
		select {
		case c := <-v.retry:
			batch, rows = append(batch, c), rows+c.n
			continue
		case c := <-v.queue:
			batch, rows = append(batch, c), rows+c.n
			continue
		default:
		}
		wait := time.Until(deadline)
		if v.inflight.Load() == 0 || wait <= 0 {
			break
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		}
		select {
		case c := <-v.queue:
			batch, rows = append(batch, c), rows+c.n
			continue
		case <-timer.C:
		case <-v.ctx.Done():
		}
		break
	}
	return batch
}

// run sends one batch to w and answers its calls.
func (v *version) run(w *workerClient, batch []*call) {
	v.inflight.Add(1)
	defer v.inflight.Add(-1)
	cols := v.manifestOf().Width()
	var rows []float32
	if len(batch) == 1 {
		rows = batch[0].rows
	} else {
		for _, c := range batch {
			rows = append(rows, c.rows...)
		}
	}
	v.m.batch(len(rows) / cols)
	w.batches.Add(1)
	w.rows.Add(int64(len(rows) / cols))
	out, shape, err := w.infer(v.ctx, rows, cols, len(batch))
	if errors.Is(err, errTransport) && v.ctx.Err() == nil {
		// The worker went away (restarted, stopped): its batch goes to
		// another worker, twice at most.
		w.ready.Store(false)
		for _, c := range batch {
			if c.retries < 2 {
				c.retries++
				v.retry <- c
			} else {
				c.done <- result{err: err}
			}
		}
		return
	}
	if err != nil {
		for _, c := range batch {
			c.done <- result{err: err}
		}
		return
	}
	per := 1
	for _, d := range shape[1:] {
		per *= d
	}
	off := 0
	for _, c := range batch {
		s := append([]int{c.n}, shape[1:]...)
		c.done <- result{out: out[off*per : (off+c.n)*per], shape: s}
		off += c.n
	}
}

// infer queues rows and waits for their outputs.
func (v *version) infer(ctx context.Context, rows []float32, n int) result {
	c := &call{rows: rows, n: n, queued: time.Now(), done: make(chan result, 1)}
	select {
	case v.queue <- c:
	case <-ctx.Done():
		return result{err: ctx.Err()}
	}
	select {
	case r := <-c.done:
		return r
	case <-ctx.Done():
		return result{err: ctx.Err()}
	}
}

// stop drains the version (its queued calls are answered) and stops its
// workers.
func (v *version) stop(grace time.Duration) {
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && (len(v.queue) > 0 || len(v.retry) > 0 || v.inflight.Load() > 0) {
		time.Sleep(10 * time.Millisecond)
	}
	v.cancel()
	v.wg.Wait()
	if v.procs != nil {
		v.procs.stop()
	}
	for _, ch := range []chan *call{v.queue, v.retry} {
		for {
			select {
			case c := <-ch:
				c.done <- result{err: &workerError{http.StatusServiceUnavailable, "version stopped"}}
				continue
			default:
			}
			break
		}
	}
}

// workerStats are the version's workers now, by address.
func (v *version) workerStats() []WorkerStats {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]WorkerStats, len(v.workers))
	for i, w := range v.workers {
		out[i] = WorkerStats{Addr: w.addr, Ready: w.ready.Load(), Batches: w.batches.Load(), Rows: w.rows.Load()}
	}
	slices.SortFunc(out, func(a, b WorkerStats) int { return strings.Compare(a.Addr, b.Addr) })
	return out
}

// readyWorkers counts the workers ready now.
func (v *version) readyWorkers() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, w := range v.workers {
		if w.ready.Load() {
			n++
		}
	}
	return n
}
