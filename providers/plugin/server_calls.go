package plugin

import (
	"context"
	"errors"
	"io"
	"sync"

	"google.golang.org/grpc/status"

	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// Calls serves the Calls stream: every call runs at once, concurrently
// with the others, as a unary call would, and the results that are ready
// when the stream is free to send go together in one message.
func (s *server) Calls(stream pluginpb.Provider_CallsServer) error {
	ctx := stream.Context()
	out := newResultQueue()
	sent := make(chan error, 1)
	go func() { sent <- out.sendAll(stream) }()

	var (
		mu      sync.Mutex
		running = map[uint64]context.CancelFunc{}
		wg      sync.WaitGroup
		// idle hands a call to a worker that has finished its own: a
		// call starts a goroutine only when every worker is busy, so
		// the stacks the calls grew serve the next ones.
		idle = make(chan func())
	)
	var recvErr error
	for {
		reqs, err := stream.Recv()
		if err != nil {
			recvErr = err
			break
		}
		for _, call := range reqs.GetCalls() {
			id := call.GetId()
			if call.GetCancel() != nil {
				mu.Lock()
				if cancel, ok := running[id]; ok {
					cancel()
				}
				mu.Unlock()
				continue
			}
			cctx, cancel := context.WithCancel(ctx)
			mu.Lock()
			running[id] = cancel
			mu.Unlock()
			job := func() {
				res := s.call(cctx, call)
				mu.Lock()
				delete(running, id)
				mu.Unlock()
				if cctx.Err() == nil {
					out.push(res)
				}
				cancel()
			}
			select {
			case idle <- job:
			default:
				wg.Add(1)
				go func() {
					defer wg.Done()
					job()
					for job := range idle {
						job()
					}
				}()
			}
		}
	}
	// The client closed its side (or the stream broke): finish what runs,
	// send its results, and end.
	close(idle)
	wg.Wait()
	out.close()
	if err := <-sent; err != nil {
		return err
	}
	if errors.Is(recvErr, io.EOF) {
		return nil
	}
	return recvErr
}

// call serves one call of the stream.
func (s *server) call(ctx context.Context, call *pluginpb.Calls_Call) *pluginpb.Calls_Result {
	res := &pluginpb.Calls_Result{Id: call.GetId()}
	var err error
	switch c := call.GetCall().(type) {
	case *pluginpb.Calls_Call_Read:
		var r *pluginpb.Read_Response
		if r, err = s.read(ctx, c.Read, true); err == nil {
			res.Result = &pluginpb.Calls_Result_Read{Read: r}
		}
	case *pluginpb.Calls_Call_PlanChange:
		var r *pluginpb.PlanChange_Response
		if r, err = s.planChange(ctx, c.PlanChange, true); err == nil {
			res.Result = &pluginpb.Calls_Result_PlanChange{PlanChange: r}
		}
	case *pluginpb.Calls_Call_RefreshPlan:
		var r *pluginpb.RefreshPlan_Response
		if r, err = s.refreshPlan(ctx, c.RefreshPlan); err == nil {
			res.Result = &pluginpb.Calls_Result_RefreshPlan{RefreshPlan: r}
		}
	default:
		res.Result = &pluginpb.Calls_Result_Error{Error: "this provider does not know the call it was sent; upgrade the provider"}
	}
	if err != nil {
		res.Result = &pluginpb.Calls_Result_Error{Error: status.Convert(err).Message()}
	}
	return res
}

// resultQueue collects results for one sender goroutine, which sends all
// that are queued whenever it is free.
type resultQueue struct {
	mu     sync.Mutex
	queue  []*pluginpb.Calls_Result
	closed bool
	wake   chan struct{}
}

func newResultQueue() *resultQueue { return &resultQueue{wake: make(chan struct{}, 1)} }

func (q *resultQueue) push(r *pluginpb.Calls_Result) {
	q.mu.Lock()
	q.queue = append(q.queue, r)
	q.mu.Unlock()
	q.signal()
}

func (q *resultQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *resultQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// sendAll sends batches until the queue is closed and empty. After a
// failed send it keeps draining, so that pushers never block.
func (q *resultQueue) sendAll(stream pluginpb.Provider_CallsServer) error {
	var failed error
	for range q.wake {
		for {
			q.mu.Lock()
			batch, closed := q.queue, q.closed
			q.queue = nil
			q.mu.Unlock()
			if len(batch) > 0 && failed == nil {
				failed = stream.Send(&pluginpb.Calls_Results{Results: batch})
			}
			if len(batch) == 0 {
				if closed {
					return failed
				}
				break
			}
		}
	}
	return failed
}
