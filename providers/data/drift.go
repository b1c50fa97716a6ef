package data

import (
	"math"
	"slices"

	"github.com/mltf/mltf/providers/data/stats"
	"github.com/mltf/mltf/providers/data/validate"
)

// driftReport is the drift of one version against its baseline.
type driftReport struct {
	Baseline int64
	Verdict  string // "ok" or "drift"
	Columns  map[string]columnDrift
	// Drifted names the columns over their threshold, in name order.
	Drifted []string
}

type columnDrift struct {
	PSI, Threshold float64
	Verdict        string
}

// measureDrift compares the current statistics with a baseline's. A column
// is compared when both have it with the same type: categorical columns
// over the baseline's top values, numeric ones over the baseline's decile
// bins.
func measureDrift(base *versionRecord, res *validate.Result, dc driftConfig) *driftReport {
	rep := &driftReport{Baseline: base.Version, Verdict: "ok", Columns: map[string]columnDrift{}}
	for _, col := range res.Columns {
		b, ok := base.Columns[col.Name]
		if !ok || b.Type != col.Summary.Type {
			continue
		}
		var psi float64
		var measured bool
		switch {
		case len(b.Top) > 0 && col.Count != nil:
			psi, measured = stats.CategoricalPSI(b, col.Count, col.Summary.Count)
		case b.Histogram != nil:
			psi, measured = stats.NumericPSI(b.Histogram, col.Sample)
		}
		if !measured {
			continue
		}
		psi = math.Round(psi*1e4) / 1e4
		th := dc.Threshold
		if t, ok := dc.Columns[col.Name]; ok {
			th = t
		}
		cd := columnDrift{PSI: psi, Threshold: th, Verdict: "ok"}
		if psi > th {
			cd.Verdict = "drift"
			rep.Verdict = "drift"
			rep.Drifted = append(rep.Drifted, col.Name)
		}
		rep.Columns[col.Name] = cd
	}
	slices.Sort(rep.Drifted)
	return rep
}
