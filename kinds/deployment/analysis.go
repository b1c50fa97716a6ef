package deployment

import (
	"fmt"
	"time"

	"github.com/mltf/mltf/serving"
)

// minDriftRows are the rows a window needs before its drift counts: over
// fewer rows, the highest PSI of many columns is mostly sampling noise
// (about (bins-1)/rows per column).
const minDriftRows = 500

// Window is what happened between two snapshots of a front end's counts.
type Window struct {
	From, To serving.Stats
}

// role returns version v's counts of the window: live requests, or
// mirrored ones when shadow is set.
func (w Window) role(v int64, shadow bool) serving.RoleStats {
	var a, b serving.RoleStats
	for _, x := range w.To.Versions {
		if x.Version == v {
			a = x.Live
			if shadow {
				a = x.Mirrored
			}
		}
	}
	for _, x := range w.From.Versions {
		if x.Version == v {
			b = x.Live
			if shadow {
				b = x.Mirrored
			}
		}
	}
	return serving.RoleStats{Requests: a.Requests - b.Requests, Errors: a.Errors - b.Errors, Latency: serving.Sub(a.Latency, b.Latency)}
}

// Verdict is an analysis of one version over a window.
type Verdict struct {
	Requests  int64
	ErrorRate float64
	P50, P99  time.Duration
	// Drift is the highest PSI of a column, with the column and the rows
	// counted; DriftRows < minDriftRows: not judged.
	Drift       float64
	DriftColumn string
	DriftRows   int64
	// Failed says which bound broke, with the numbers; "" when none did.
	Failed string
}

// Summary is the verdict's numbers in a line.
func (v Verdict) Summary() string {
	s := fmt.Sprintf("%d requests, error rate %s, p99 %s", v.Requests, percent(v.ErrorRate), roundDuration(v.P99))
	if v.DriftRows >= minDriftRows {
		s += fmt.Sprintf(", input drift %.3f (%s)", v.Drift, v.DriftColumn)
	}
	return s
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	default:
		return d.Round(100 * time.Microsecond)
	}
}

// Judge analyses version v (its mirrored requests when shadow) over w
// against a, with the drift of all live inputs against baseline.
func (a Analysis) Judge(w Window, v int64, shadow bool, baseline *serving.Baseline) Verdict {
	r := w.role(v, shadow)
	out := Verdict{Requests: r.Requests, P50: serving.Quantile(r.Latency, 0.5), P99: serving.Quantile(r.Latency, 0.99)}
	if r.Requests > 0 {
		out.ErrorRate = float64(r.Errors) / float64(r.Requests)
	}
	if baseline != nil && len(w.To.Drift) > 0 {
		cols, rows := baseline.Drift(serving.SubCounts(w.To.Drift, w.From.Drift))
		out.DriftRows = rows
		if len(cols) > 0 {
			out.Drift, out.DriftColumn = cols[0].PSI, cols[0].Column
		}
	}
	judged := r.Requests >= int64(a.MinRequests)
	switch {
	case judged && a.MaxErrorRate != nil && out.ErrorRate > *a.MaxErrorRate:
		out.Failed = fmt.Sprintf("error rate %s > %s over %d requests", percent(out.ErrorRate), percent(*a.MaxErrorRate), r.Requests)
	case judged && a.MaxP99 > 0 && out.P99 > a.MaxP99:
		out.Failed = fmt.Sprintf("p99 %s > %s over %d requests", roundDuration(out.P99), shortDuration(a.MaxP99), r.Requests)
	case a.MaxInputDrift != nil && out.DriftRows >= minDriftRows && out.Drift > *a.MaxInputDrift:
		out.Failed = fmt.Sprintf("input drift %.3f > %g (column %s) over %d rows", out.Drift, *a.MaxInputDrift, out.DriftColumn, out.DriftRows)
	}
	return out
}
