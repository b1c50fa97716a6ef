package sdk

import (
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
)

func (c *Change) emit(e providers.Event) {
	if c.events == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	c.events(e)
}

// Event reports any event as it is (its time, when unset, is now); Log,
// Progress, Metric and Checkpoint are the usual ones.
func (c *Change) Event(e providers.Event) { c.emit(e) }

// Log reports one line of output, e.g. from a training rank.
func (c *Change) Log(source, line string) {
	c.emit(providers.Event{Type: providers.EventLog, Log: &providers.LogLine{Source: source, Line: line}})
}

// Progress reports how a long change is going.
func (c *Change) Progress(p providers.Progress) {
	c.emit(providers.Event{Type: providers.EventProgress, Progress: &p})
}

// Metric reports one metric point.
func (c *Change) Metric(name string, step int64, value float64) {
	c.emit(providers.Event{Type: providers.EventMetric, Metric: &providers.MetricPoint{Name: name, Step: step, Value: value}})
}

// Checkpoint reports the state reached so far (with c.Private), which mltf
// saves at once: after a crash or an interrupt the next apply starts from
// it, e.g. re-attaching to a launched run instead of launching another.
func (c *Change) Checkpoint(partial cty.Value) {
	c.emit(providers.Event{Type: providers.EventPartial, Partial: partial, PartialPrivate: c.Private})
}
