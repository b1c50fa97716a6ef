package plan

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// chain builds a graph of n nodes where node i depends on i-1 and, for
// every third node, on i/2 too.
func chainGraph(n int) *graph {
	g := &graph{byKey: map[string]*node{}}
	for i := range n {
		nd := &node{key: fmt.Sprintf("n%04d", i)}
		if i > 0 {
			nd.deps = append(nd.deps, g.nodes[i-1])
		}
		if i%3 == 0 && i/2 != i-1 && i > 0 {
			nd.deps = append(nd.deps, g.nodes[i/2])
		}
		g.add(nd)
	}
	return g
}

func TestWalk(t *testing.T) {
	tests := []struct {
		name        string
		n           int
		parallelism int
		fail        string // the node whose visit fails
		cancel      bool
		wantVisited int
	}{
		{"all visited", 200, 4, "", false, 200},
		{"one at a time", 50, 1, "", false, 50},
		{"parallelism above the nodes", 3, 10, "", false, 3},
		{"zero parallelism is one", 5, 0, "", false, 5},
		{"failure stops the dependents", 100, 4, "n0050", false, 51},
		{"cancelled visits nothing", 30, 4, "", true, 0},
		{"empty graph", 0, 4, "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := chainGraph(tt.n)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			var mu sync.Mutex
			visited := map[*node]bool{}
			running, most := 0, 0
			g.walk(ctx, tt.parallelism, func(n *node) bool {
				mu.Lock()
				for _, d := range n.deps {
					if !visited[d] {
						t.Errorf("%s visited before its dependency %s", n.key, d.key)
					}
				}
				visited[n] = true
				running++
				most = max(most, running)
				mu.Unlock()
				runtime.Gosched()
				mu.Lock()
				running--
				mu.Unlock()
				return n.key != tt.fail
			})
			if diff := cmp.Diff(tt.wantVisited, len(visited)); diff != "" {
				t.Errorf("visited (-want +got):\n%s", diff)
			}
			if most > max(1, tt.parallelism) {
				t.Errorf("%d visits at once, parallelism %d", most, tt.parallelism)
			}
		})
	}
}
