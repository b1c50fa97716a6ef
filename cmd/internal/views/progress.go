package views

import (
	"sync"
	"time"

	"github.com/mltf/mltf/providers"
)

// stepClock estimates how long each run has left from its step rate since
// the first step it reported: start-up (spawning ranks, loading data,
// waiting for a slot) is not counted, as it was when the ETA scaled the
// whole elapsed time.
type stepClock struct {
	mu    sync.Mutex
	first map[string]providers.Progress // by address: the first progress with a step
}

// eta is the estimated time left for addr's run after p, 0 when it cannot
// be estimated yet (no second step, or no total).
func (c *stepClock) eta(addr string, p *providers.Progress) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.Step <= 0 {
		return 0
	}
	if c.first == nil {
		c.first = map[string]providers.Progress{}
	}
	first, ok := c.first[addr]
	if !ok || p.Step < first.Step {
		c.first[addr] = *p // the first step, or a restart from a checkpoint
		return 0
	}
	if p.Total <= 0 || p.Step >= p.Total || p.Step == first.Step || p.Elapsed <= first.Elapsed {
		return 0
	}
	rate := float64(p.Step-first.Step) / float64(p.Elapsed-first.Elapsed) // steps per nanosecond
	return time.Duration(float64(p.Total-p.Step) / rate)
}
