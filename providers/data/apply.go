package data

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/data/fingerprint"
	"github.com/mltf/mltf/providers/data/stats"
	"github.com/mltf/mltf/providers/data/validate"
)

// progressEvery bounds how often apply reports progress.
const progressEvery = 500 * time.Millisecond

func (p *Provider) apply(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	if req.Planned.IsNull() {
		return providers.ApplyChangeResponse{New: req.Planned}
	}
	fail := func(diags providers.Diagnostics) providers.ApplyChangeResponse {
		// The state keeps the last good version (nothing, for a create).
		return providers.ApplyChangeResponse{New: req.Prior, Private: req.PriorPrivate, Diagnostics: diags}
	}
	cfg, diags := decodeConfig(req.Config)
	if diags.HasErrors() {
		return fail(diags)
	}
	priv := decodePrivate(req.PriorPrivate)
	l, ds := p.list(ctx, cfg, decodePrivate(req.PlannedPrivate), priv)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return fail(diags)
	}
	defer l.src.Close()
	fp := l.listing.Fingerprint
	if planned := req.Planned.GetAttr("fingerprint"); planned.IsKnown() && !planned.IsNull() && planned.AsString() != fp {
		return fail(diags.AttrError(pathSource, "The data changed after the plan",
			fmt.Sprintf("%s was planned with fingerprint %s and now has fingerprint %s (%s). Run mltf plan again to see the change.",
				l.src.Location, fingerprint.Short(planned.AsString()), fingerprint.Short(fp), fingerprint.Diff(l.previous, l.listing))))
	}
	if cfg.Freshness > 0 {
		if age := time.Since(l.listing.Newest); age > cfg.Freshness {
			return fail(diags.AttrError(pathChecks.GetAttr("freshness"), "The dataset is stale",
				fmt.Sprintf("The newest object of %s was modified %s ago (%s); checks.freshness allows %s. Write new data, or relax freshness.",
					l.src.Location, roundAge(age), l.listing.Newest.UTC().Format(time.RFC3339), cfg.Freshness)))
		}
	}

	contract := cfg.Contract
	contract.Format = l.format
	objs := make([]validate.Object, len(l.listing.Objects))
	for i, o := range l.listing.Objects {
		objs[i] = validate.Object{Key: o.Key, Size: o.Size}
	}
	if req.Events != nil {
		req.Events(providers.Event{Type: providers.EventProgress, Time: time.Now(), Progress: &providers.Progress{
			Message: fmt.Sprintf("validating %s, %s (%s)", objects(len(objs)), fingerprint.Bytes(l.listing.Bytes), l.format),
			Total:   int64(len(objs)),
		}})
	}
	res, err := validate.Run(ctx, l.src, objs, &contract, validate.Options{
		Progress:     progressReporter(req.Events, len(objs)),
		UniqueMemory: cfg.UniqueMemory,
	})
	if err != nil {
		return fail(diags.Errorf("Validation did not finish", "%v", err))
	}
	if !res.OK() {
		return fail(append(diags, failureDiagnostics(req.Address, res)...))
	}

	version := int64(1)
	if v := req.Planned.GetAttr("version"); v.IsKnown() && !v.IsNull() {
		version, _ = wholeNumber(v)
	} else if !req.Prior.IsNull() {
		version, _ = wholeNumber(req.Prior.GetAttr("version"))
		if stringOr(req.Prior.GetAttr("fingerprint"), "") != fp {
			version++
		}
	}
	if d := pinnedBaseline(cfg, priv, version); d != nil {
		return fail(append(diags, *d))
	}
	var report *driftReport
	if base := priv.baseline(version, cfg.Drift.Baseline); base != nil && cfg.Drift.Baseline != version {
		report = measureDrift(base, res, cfg.Drift)
		if d := driftDiagnostic(req.Address, report, cfg.Drift.Fail); d != nil {
			diags = append(diags, *d)
			if d.Severity == providers.Error {
				return fail(diags)
			}
		}
	}

	vals := req.Planned.AsValueMap()
	vals["format"] = cty.StringVal(string(l.format))
	vals["fingerprint"] = cty.StringVal(fp)
	vals["version"] = cty.NumberIntVal(version)
	vals["object_count"] = cty.NumberIntVal(int64(len(l.listing.Objects)))
	vals["bytes"] = cty.NumberIntVal(l.listing.Bytes)
	vals["path"] = cty.StringVal(l.src.Path())
	vals["row_count"] = cty.NumberIntVal(res.Rows)
	vals["statistics"] = statisticsValue(res.Columns)
	vals["drift_report"] = driftValue(report)

	summaries := make(map[string]stats.Summary, len(res.Columns))
	for _, c := range res.Columns {
		summaries[c.Name] = c.Summary
	}
	priv.record(versionRecord{Version: version, Fingerprint: fp, Rows: res.Rows, Applied: time.Now().UTC(), Columns: summaries}, cfg.Drift.Baseline)
	priv.setListing(l.src.Path(), l.listing)
	return providers.ApplyChangeResponse{New: cty.ObjectVal(vals), Private: priv.encode(), Diagnostics: diags}
}

// progressReporter turns validation progress into events, at most one per
// progressEvery and always the last.
func progressReporter(events func(providers.Event), total int) func(validate.Progress) {
	if events == nil {
		return nil
	}
	start := time.Now()
	var mu sync.Mutex
	var last time.Time
	return func(pr validate.Progress) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if pr.Objects < pr.Total && now.Sub(last) < progressEvery {
			return
		}
		last = now
		events(providers.Event{Type: providers.EventProgress, Time: now, Progress: &providers.Progress{
			Message: fmt.Sprintf("validating: %d/%d objects, %s rows", pr.Objects, total, count(pr.Rows)),
			Step:    int64(pr.Objects), Total: int64(total), Elapsed: now.Sub(start),
		}})
	}
}

// count formats a row count: 950, 12.3k, 4.1M.
func count(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fG", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

func driftDiagnostic(addr string, r *driftReport, fail bool) *providers.Diagnostic {
	if len(r.Drifted) == 0 {
		return nil
	}
	var lines []string
	for _, name := range r.Drifted {
		c := r.Columns[name]
		lines = append(lines, fmt.Sprintf("  %s: PSI %.3f > %g", name, c.PSI, c.Threshold))
	}
	d := &providers.Diagnostic{
		Severity: providers.Warning,
		Summary:  fmt.Sprintf("The data drifted from version %d", r.Baseline),
		Detail: fmt.Sprintf("The distribution of %d column(s) moved more than their threshold allows (population stability index against version %d):\n%s\n",
			len(r.Drifted), r.Baseline, strings.Join(lines, "\n")),
		Attribute: pathDrift,
	}
	if fail {
		d.Severity = providers.Error
		d.Detail += "drift.on_drift is \"fail\": this version is not accepted and nothing that uses the dataset runs. Check the data; if the change is expected, raise the threshold or pin drift.baseline_version to this data's version once it is accepted."
	} else {
		d.Detail += "This is a warning (drift.on_drift = \"warn\"); set on_drift = \"fail\" to stop the apply instead."
	}
	return d
}
