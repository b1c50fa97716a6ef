package data

import (
	"math"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers/data/stats"
	"github.com/mltf/mltf/providers/data/validate"
)

func statisticsValue(cols []validate.ColumnResult) cty.Value {
	if len(cols) == 0 {
		return cty.MapValEmpty(columnStatsType)
	}
	m := make(map[string]cty.Value, len(cols))
	for _, c := range cols {
		m[c.Name] = summaryValue(c.Summary)
	}
	return cty.MapVal(m)
}

func summaryValue(s stats.Summary) cty.Value {
	num := func(p *float64) cty.Value {
		if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
			return cty.NullVal(cty.Number)
		}
		return cty.NumberFloatVal(*p)
	}
	qs := cty.NullVal(cty.Map(cty.Number))
	if len(s.Quantiles) > 0 {
		m := map[string]cty.Value{}
		for k, v := range s.Quantiles {
			m[k] = num(&v)
		}
		qs = cty.MapVal(m)
	}
	top := cty.ListValEmpty(topValueType)
	if len(s.Top) > 0 {
		var vs []cty.Value
		for _, vc := range s.Top {
			vs = append(vs, cty.ObjectVal(map[string]cty.Value{"value": cty.StringVal(vc.Value), "count": cty.NumberIntVal(vc.Count)}))
		}
		top = cty.ListVal(vs)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"type":      cty.StringVal(s.Type),
		"count":     cty.NumberIntVal(s.Count),
		"nulls":     cty.NumberIntVal(s.Nulls),
		"min":       num(s.Min),
		"max":       num(s.Max),
		"mean":      num(s.Mean),
		"stddev":    num(s.Stddev),
		"quantiles": qs,
		"top":       top,
	})
}

func driftValue(d *driftReport) cty.Value {
	if d == nil {
		return cty.NullVal(driftReportType)
	}
	cols := cty.MapValEmpty(columnDriftType)
	if len(d.Columns) > 0 {
		m := map[string]cty.Value{}
		for name, c := range d.Columns {
			m[name] = cty.ObjectVal(map[string]cty.Value{
				"psi":       cty.NumberFloatVal(c.PSI),
				"threshold": cty.NumberFloatVal(c.Threshold),
				"verdict":   cty.StringVal(c.Verdict),
			})
		}
		cols = cty.MapVal(m)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"baseline_version": cty.NumberIntVal(d.Baseline),
		"verdict":          cty.StringVal(d.Verdict),
		"columns":          cols,
	})
}
