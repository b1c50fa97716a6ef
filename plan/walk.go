package plan

import (
	"context"
	"sync"
)

// walk calls visit for every node once all its dependencies are visited,
// at most parallelism at a time. A node whose dependency failed is not
// visited and counts as failed; so is every node once ctx is done.
func (g *graph) walk(ctx context.Context, parallelism int, visit func(n *node) bool) {
	if parallelism < 1 {
		parallelism = 1
	}
	sem := make(chan struct{}, parallelism)
	done := make(map[*node]chan struct{}, len(g.nodes))
	var mu sync.Mutex
	failed := map[*node]bool{}
	for _, n := range g.nodes {
		done[n] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for _, n := range g.nodes {
		wg.Add(1)
		go func(n *node) {
			defer wg.Done()
			defer close(done[n])
			ok := true
			for _, d := range n.deps {
				<-done[d]
				mu.Lock()
				if failed[d] {
					ok = false
				}
				mu.Unlock()
			}
			if ok && ctx.Err() == nil {
				sem <- struct{}{}
				if ctx.Err() == nil {
					ok = visit(n)
				} else {
					ok = false
				}
				<-sem
			} else {
				ok = false
			}
			if !ok {
				mu.Lock()
				failed[n] = true
				mu.Unlock()
			}
		}(n)
	}
	wg.Wait()
}
