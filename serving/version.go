package serving

import (
	"context"
	"errors"
	"net/http"
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
}

func newVersion(parent context.Context, v Version, b Batching, m *versionMetrics) *version {
	ctx, cancel := context.WithCancel(parent)
	return &version{num: v.Version, batching: b, queue: make(chan *call, 8192), retry: make(chan *call, 8192),
		ctx: ctx, cancel: cancel, m: m}
}

// start connects to the version's workers (starting them first when the
// spec says so); each worker serves batches once it is ready.
func (v *version) start(spec Version, dir string, logf func(string, ...any)) error {
	addrs := spec.Workers
	if spec.Spawn != nil {
		sp, err := startSpawner(v.ctx, v.num, *spec.Spawn, dir, logf)
		if err != nil {
			return err
		}
		v.procs = sp
		addrs = sp.addrs()
	}
	for _, a := range addrs {
		v.addWorker(a)
	}
	return nil
}

func (v *version) addWorker(addr string) {
	w := newWorkerClient(addr)
	v.mu.Lock()
	v.workers = append(v.workers, w)
	v.mu.Unlock()
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		v.serve(w)
	}()
}

// serve feeds batches to w while it is ready, and waits for it when it is
// not.
func (v *version) serve(w *workerClient) {
	for v.ctx.Err() == nil {
		if !w.ready.Load() {
			if !w.health(v.ctx) {
				select {
				case <-v.ctx.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
			if v.manifestOf() == nil {
				m, err := w.metadata(v.ctx)
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
		batch := v.next()
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
// is sent alone at once.
func (v *version) next() []*call {
	var first *call
	select {
	case first = <-v.retry:
	default:
		select {
		case first = <-v.retry:
		case first = <-v.queue:
		case <-v.ctx.Done():
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
	out, shape, err := w.infer(v.ctx, rows, cols)
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
