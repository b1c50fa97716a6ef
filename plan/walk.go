package plan

import (
	"context"
	"sync"
)

// walk calls visit for every node once all its dependencies are visited,
// at most parallelism at a time. A node whose dependency failed is not
// visited and counts as failed; so is every node once ctx is done.
//
// The graph has no cycles (buildGraph refuses them). A fixed set of
// workers takes the nodes as they become ready: a goroutine per node
// would grow a fresh stack for every one of them.
func (g *graph) walk(ctx context.Context, parallelism int, visit func(n *node) bool) {
	if len(g.nodes) == 0 {
		return
	}
	parallelism = max(1, min(parallelism, len(g.nodes)))
	var (
		mu         sync.Mutex
		waiting    = make(map[*node]int, len(g.nodes)) // dependencies not yet done
		failed     = map[*node]bool{}                  // a dependency failed
		dependents = make(map[*node][]*node, len(g.nodes))
		left       = len(g.nodes)
		ready      = make(chan *node, len(g.nodes))
	)
	for _, n := range g.nodes {
		waiting[n] = len(n.deps)
		for _, d := range n.deps {
			dependents[d] = append(dependents[d], n)
		}
		if len(n.deps) == 0 {
			ready <- n
		}
	}
	done := func(n *node, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range dependents[n] {
			if !ok {
				failed[m] = true
			}
			if waiting[m]--; waiting[m] == 0 {
				ready <- m
			}
		}
		if left--; left == 0 {
			close(ready)
		}
	}
	var wg sync.WaitGroup
	for range parallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range ready {
				mu.Lock()
				ok := !failed[n]
				mu.Unlock()
				done(n, ok && ctx.Err() == nil && visit(n))
			}
		}()
	}
	wg.Wait()
}
