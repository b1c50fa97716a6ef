package plugin

import (
	"context"
	"errors"
	"io"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// callStream multiplexes Read and PlanChange calls over one Calls stream.
// Calls queued while a send is under way go together in the next message,
// so the number of messages follows the load rather than the number of
// calls. When the stream breaks, every call waiting on it fails with the
// stream's error and later calls go unary (the fault is then reported by
// the unary call, as without the stream).
type callStream struct {
	stream pluginpb.Provider_CallsClient
	cancel context.CancelFunc

	mu      sync.Mutex
	next    uint64
	pending map[uint64]chan *pluginpb.Calls_Result
	queue   []*pluginpb.Calls_Call
	err     error // set once the stream is broken
	wake    chan struct{}
}

func openCallStream(client pluginpb.ProviderClient) (*callStream, error) {
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := client.Calls(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	cs := &callStream{
		stream:  stream,
		cancel:  cancel,
		pending: map[uint64]chan *pluginpb.Calls_Result{},
		wake:    make(chan struct{}, 1),
	}
	go cs.sendLoop()
	go cs.recvLoop()
	return cs, nil
}

// broken reports whether the stream has failed.
func (cs *callStream) broken() bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.err != nil
}

// do sends call and waits for its result, or for ctx. A cancelled call
// is cancelled in the plugin too.
func (cs *callStream) do(ctx context.Context, call *pluginpb.Calls_Call) (*pluginpb.Calls_Result, error) {
	ch := make(chan *pluginpb.Calls_Result, 1)
	cs.mu.Lock()
	if cs.err != nil {
		err := cs.err
		cs.mu.Unlock()
		return nil, err
	}
	cs.next++
	call.Id = cs.next
	cs.pending[call.Id] = ch
	cs.queue = append(cs.queue, call)
	cs.mu.Unlock()
	cs.signal()

	select {
	case r, ok := <-ch:
		if !ok {
			cs.mu.Lock()
			err := cs.err
			cs.mu.Unlock()
			return nil, err
		}
		return r, nil
	case <-ctx.Done():
		cs.mu.Lock()
		if _, ok := cs.pending[call.Id]; ok {
			delete(cs.pending, call.Id)
			if cs.err == nil {
				cs.queue = append(cs.queue, &pluginpb.Calls_Call{Id: call.Id, Call: &pluginpb.Calls_Call_Cancel{Cancel: &pluginpb.Calls_Cancel{}}})
			}
		}
		cs.mu.Unlock()
		cs.signal()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

func (cs *callStream) signal() {
	select {
	case cs.wake <- struct{}{}:
	default:
	}
}

// sendLoop sends whatever is queued, one message at a time.
func (cs *callStream) sendLoop() {
	for range cs.wake {
		cs.mu.Lock()
		batch, failed := cs.queue, cs.err != nil
		cs.queue = nil
		cs.mu.Unlock()
		if failed {
			return
		}
		if len(batch) == 0 {
			continue
		}
		if err := cs.stream.Send(&pluginpb.Calls_Requests{Calls: batch}); err != nil {
			// The stream has ended: recvLoop gets its status and fails
			// the calls waiting on it.
			return
		}
	}
}

// recvLoop hands each result to its caller.
func (cs *callStream) recvLoop() {
	for {
		rs, err := cs.stream.Recv()
		if err != nil {
			cs.fail(err)
			return
		}
		cs.mu.Lock()
		for _, r := range rs.GetResults() {
			if ch, ok := cs.pending[r.GetId()]; ok {
				delete(cs.pending, r.GetId())
				ch <- r
			}
		}
		cs.mu.Unlock()
	}
}

// fail breaks the stream: every waiting call gets err.
func (cs *callStream) fail(err error) {
	if err == nil || errors.Is(err, io.EOF) {
		err = status.Error(codes.Unavailable, "the provider closed its call stream")
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.err != nil {
		return
	}
	cs.err = err
	for id, ch := range cs.pending {
		delete(cs.pending, id)
		close(ch)
	}
	cs.queue = nil
	cs.signal()
}

// close ends the stream.
func (cs *callStream) close() {
	cs.cancel()
}
