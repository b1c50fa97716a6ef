package kubernetes

import (
	"context"
	"fmt"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// hub holds the shared watches of one namespace: the pods and Jobs of
// every mltf run in it, however many runs mltf supervises. Supervisors
// subscribe by run id and are poked when one of their objects changes;
// they then read the informers' caches. No per-run or per-pod polling.
type hub struct {
	factory  informers.SharedInformerFactory
	pods     cache.SharedIndexInformer
	jobs     cache.SharedIndexInformer
	stop     chan struct{}
	ready    chan struct{}
	syncErr  error
	mu       sync.Mutex
	subs     map[string]map[chan struct{}]bool // run id -> subscribers
	refCount int
}

const runIndex = "run-id"

func byRunID(obj any) ([]string, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, nil
	}
	if id := m.GetLabels()[labelRunID]; id != "" {
		return []string{id}, nil
	}
	return nil, nil
}

// hub returns the namespace's hub, starting it on first use.
func (c *conn) hub(namespace string) *hub {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.hubs[namespace]; ok {
		return h
	}
	f := informers.NewSharedInformerFactoryWithOptions(c.typed, 0, informers.WithNamespace(namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = labelManagedBy + "=" + managedBy + "," + labelComponent + "=training"
		}))
	h := &hub{factory: f, stop: make(chan struct{}), ready: make(chan struct{}), subs: map[string]map[chan struct{}]bool{}}
	h.pods = f.Core().V1().Pods().Informer()
	h.jobs = f.Batch().V1().Jobs().Informer()
	for _, inf := range []cache.SharedIndexInformer{h.pods, h.jobs} {
		inf.AddIndexers(cache.Indexers{runIndex: byRunID})
		inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    h.poke,
			UpdateFunc: func(_, n any) { h.poke(n) },
			DeleteFunc: h.poke,
		})
	}
	f.Start(h.stop)
	go func() {
		defer close(h.ready)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if !cache.WaitForCacheSync(ctx.Done(), h.pods.HasSynced, h.jobs.HasSynced) {
			h.syncErr = fmt.Errorf("the watches of namespace %s did not sync within 2 minutes", namespace)
		}
	}()
	c.hubs[namespace] = h
	return h
}

// close stops every hub.
func (c *conn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for ns, h := range c.hubs {
		close(h.stop)
		delete(c.hubs, ns)
	}
}

func (h *hub) poke(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	ids, _ := byRunID(obj)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		for ch := range h.subs[id] {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// wait blocks until the caches hold the namespace's objects.
func (h *hub) wait(ctx context.Context) error {
	select {
	case <-h.ready:
		return h.syncErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// subscribe returns a channel poked whenever an object of the run changes,
// and a function that ends the subscription.
func (h *hub) subscribe(runID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[runID] == nil {
		h.subs[runID] = map[chan struct{}]bool{}
	}
	h.subs[runID][ch] = true
	h.mu.Unlock()
	ch <- struct{}{} // look once at once
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[runID], ch)
		if len(h.subs[runID]) == 0 {
			delete(h.subs, runID)
		}
		h.mu.Unlock()
	}
}

// runPods are the cached pods of a run.
func (h *hub) runPods(runID string) []*corev1.Pod {
	objs, _ := h.pods.GetIndexer().ByIndex(runIndex, runID)
	out := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*corev1.Pod))
	}
	return out
}

// runJobs are the cached Jobs of a run (one per attempt not yet deleted).
func (h *hub) runJobs(runID string) []*batchv1.Job {
	objs, _ := h.jobs.GetIndexer().ByIndex(runIndex, runID)
	out := make([]*batchv1.Job, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*batchv1.Job))
	}
	return out
}
