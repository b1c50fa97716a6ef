package local

import (
	"fmt"
	"sync"

	"golang.org/x/sync/semaphore"
)

// pools bound how many ranks run at once in each pool, across the
// trainings this process applies in parallel.
type pools struct {
	mu sync.Mutex
	m  map[string]*semaphore.Weighted
}

func newPools() *pools { return &pools{m: map[string]*semaphore.Weighted{}} }

// get returns the semaphore of a pool with the given capacity.
func (p *pools) get(cluster, pool string, capacity int) *semaphore.Weighted {
	key := fmt.Sprintf("%s/%s/%d", cluster, pool, capacity)
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.m[key]
	if s == nil {
		s = semaphore.NewWeighted(int64(capacity))
		p.m[key] = s
	}
	return s
}
