package data

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/data/fingerprint"
	"github.com/mltf/mltf/providers/data/source"
	"github.com/mltf/mltf/providers/data/validate"
)

// listed is a source opened and listed.
type listed struct {
	src     *source.Source
	listing *fingerprint.Listing
	// previous is the stored listing of the same path, or nil.
	previous *fingerprint.Listing
	format   validate.Format
}

// list opens the source and lists it, reusing the content hashes of the
// first stored listing of the same path in privs.
func (p *Provider) list(ctx context.Context, cfg *config, privs ...*private) (*listed, providers.Diagnostics) {
	var diags providers.Diagnostics
	loc, err := source.Resolve(cfg.Source, p.workDir())
	if err != nil {
		return nil, diags.AttrError(pathSource, "Invalid dataset source", err.Error()+".")
	}
	src, err := loc.Open(ctx, &p.buckets)
	if err != nil {
		return nil, diags.AttrError(pathSource, "Cannot read the dataset source", err.Error()+". Check the path or URL and the credentials mltf runs with.")
	}
	l := &listed{src: src}
	for _, pv := range privs {
		if l.previous = pv.listing(src); l.previous != nil {
			break
		}
	}
	l.listing, err = fingerprint.List(ctx, src, fingerprint.Options{Previous: l.previous})
	if err != nil {
		src.Close()
		if ctx.Err() != nil {
			return nil, diags.Errorf("Listing the dataset was cancelled", "%v", err)
		}
		return nil, diags.AttrError(pathSource, "Cannot list the dataset source", fmt.Sprintf("%v. Check the path or URL and the credentials mltf runs with.", err))
	}
	if len(l.listing.Objects) == 0 {
		src.Close()
		return nil, diags.AttrError(pathSource, "The dataset source holds no objects",
			fmt.Sprintf("%s holds no objects (names starting with _ or . are ignored). Check the path, or write the data first.", loc))
	}
	l.format, diags = resolveFormat(cfg, loc, l.listing)
	if diags.HasErrors() {
		src.Close()
		return nil, diags
	}
	return l, diags
}

// resolveFormat is the configured format, or the one the extension of the
// source (or of its objects) names.
func resolveFormat(cfg *config, loc source.Location, l *fingerprint.Listing) (validate.Format, providers.Diagnostics) {
	var diags providers.Diagnostics
	if cfg.Format != "" {
		return cfg.Format, nil
	}
	exts := map[string]int{}
	if e := formatOfExt(loc.Ext()); e != "" {
		return e, nil
	}
	for _, o := range l.Objects {
		ext := strings.TrimSuffix(strings.ToLower(path.Base(o.Key)), ".gz")
		if f := formatOfExt(strings.TrimPrefix(path.Ext(ext), ".")); f != "" {
			exts[string(f)]++
		}
	}
	if len(exts) == 1 {
		for f := range exts {
			return validate.Format(f), nil
		}
	}
	what := "its objects have no extension mltf knows"
	if len(exts) > 1 {
		what = "its objects have several formats"
	}
	return "", diags.AttrError(pathFormat, "Cannot tell the dataset's format",
		fmt.Sprintf("The format of %s cannot be told from its name, and %s. Set format to csv, parquet or jsonl.", loc, what))
}

func formatOfExt(ext string) validate.Format {
	switch ext {
	case "csv", "tsv", "txt":
		return validate.CSV
	case "parquet", "pq":
		return validate.Parquet
	case "jsonl", "ndjson":
		return validate.JSONL
	}
	return ""
}

func (p *Provider) plan(ctx context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	ty := datasetSchema().ImpliedType()
	if req.Config.IsNull() {
		return providers.PlanChangeResponse{
			Planned: cty.NullVal(ty),
			Reasons: []string{"the dataset is forgotten; its data is left in place"},
		}
	}
	cfg, diags := decodeConfig(req.Config)
	if diags.HasErrors() {
		return providers.PlanChangeResponse{Diagnostics: diags}
	}
	vals := req.Config.AsValueMap()
	priv := decodePrivate(req.PriorPrivate)
	hasPrior := !req.Prior.IsNull()

	if !req.Config.GetAttr("source").IsKnown() {
		for _, name := range computed {
			vals[name] = cty.UnknownVal(ty.AttributeType(name))
		}
		if vals["format"].IsNull() {
			vals["format"] = cty.UnknownVal(cty.String)
		}
		return providers.PlanChangeResponse{
			Planned:        cty.ObjectVal(vals),
			PlannedPrivate: req.PriorPrivate,
			Reasons:        []string{"the source is known only after apply: the data is listed and validated then"},
		}
	}

	l, ds := p.list(ctx, cfg, priv)
	diags = append(diags, ds...)
	if diags.HasErrors() {
		return providers.PlanChangeResponse{Diagnostics: diags}
	}
	defer l.src.Close()
	fp := l.listing.Fingerprint
	vals["format"] = cty.StringVal(string(l.format))
	vals["fingerprint"] = cty.StringVal(fp)
	vals["object_count"] = cty.NumberIntVal(int64(len(l.listing.Objects)))
	vals["bytes"] = cty.NumberIntVal(l.listing.Bytes)
	vals["path"] = cty.StringVal(l.src.Path())
	diags = append(diags, planFreshness(cfg, l.listing)...)

	var reasons []string
	version := int64(1)
	if hasPrior {
		prevVersion := int64(0)
		if v := req.Prior.GetAttr("version"); v.IsKnown() && !v.IsNull() {
			prevVersion, _ = wholeNumber(v)
		}
		for _, name := range []string{"version", "row_count", "statistics", "drift_report"} {
			vals[name] = req.Prior.GetAttr(name)
		}
		priorPath := stringOr(req.Prior.GetAttr("path"), "")
		if l.src.Names(priorPath) {
			// The same place, perhaps written absolute by an older mltf:
			// not a change of its own.
			vals["path"] = req.Prior.GetAttr("path")
		}
		if same := cty.ObjectVal(vals); same.RawEquals(req.Prior) {
			// Nothing changed: the plan is the prior state itself.
			return providers.PlanChangeResponse{Planned: req.Prior, PlannedPrivate: req.PriorPrivate, Diagnostics: diags}
		}
		prevFP := stringOr(req.Prior.GetAttr("fingerprint"), "")
		version = prevVersion
		switch {
		case prevFP != fp:
			version = prevVersion + 1
			var what string
			if l.previous != nil {
				what = fingerprint.Diff(l.previous, l.listing).String()
			} else {
				what = fmt.Sprintf("%s, %s", objects(len(l.listing.Objects)), fingerprint.Bytes(l.listing.Bytes))
			}
			reasons = append(reasons, fmt.Sprintf("%s; fingerprint %s -> %s, version %d -> %d",
				what, fingerprint.Short(prevFP), fingerprint.Short(fp), prevVersion, version))
		case !l.src.Names(priorPath):
			reasons = append(reasons, fmt.Sprintf("the source moved to %s with the same data (fingerprint %s); it is validated again", l.src.Path(), fingerprint.Short(fp)))
		default:
			reasons = append(reasons, fmt.Sprintf("the contract changed; the data (version %d, fingerprint %s) is validated again", version, fingerprint.Short(fp)))
		}
	} else {
		reasons = append(reasons, fmt.Sprintf("%s, %s, fingerprint %s; version 1",
			objects(len(l.listing.Objects)), fingerprint.Bytes(l.listing.Bytes), fingerprint.Short(fp)))
	}
	if d := pinnedBaseline(cfg, priv, version); d != nil {
		return providers.PlanChangeResponse{Diagnostics: append(diags, *d)}
	}
	vals["version"] = cty.NumberIntVal(version)
	for _, name := range []string{"row_count", "statistics", "drift_report"} {
		vals[name] = cty.UnknownVal(ty.AttributeType(name))
	}
	vals["path"] = cty.StringVal(l.src.Path())
	priv.setListing(l.src.Path(), l.listing)
	return providers.PlanChangeResponse{
		Planned:        cty.ObjectVal(vals),
		PlannedPrivate: priv.encode(),
		Reasons:        reasons,
		Diagnostics:    diags,
	}
}

// pinnedBaseline checks that a pinned drift baseline has stored
// statistics (or is the version being made).
func pinnedBaseline(cfg *config, priv *private, version int64) *providers.Diagnostic {
	pin := cfg.Drift.Baseline
	if pin == 0 || pin == version || priv.version(pin) != nil {
		return nil
	}
	stored := "none"
	if ns := priv.versionNumbers(); len(ns) > 0 {
		stored = strings.Trim(fmt.Sprint(ns), "[]")
	}
	return &providers.Diagnostic{
		Severity:  providers.Error,
		Summary:   "No statistics for the drift baseline",
		Detail:    fmt.Sprintf("drift.baseline_version is %d, but this dataset has no stored statistics for version %d (stored versions: %s). Pin a stored version, or remove baseline_version to compare with the previous version.", pin, pin, stored),
		Attribute: pathDrift.GetAttr("baseline_version"),
	}
}

// planFreshness warns at plan time that the apply will find the data stale.
func planFreshness(cfg *config, l *fingerprint.Listing) providers.Diagnostics {
	if cfg.Freshness == 0 || l.Newest.IsZero() {
		return nil
	}
	age := time.Since(l.Newest)
	if age <= cfg.Freshness {
		return nil
	}
	return providers.Diagnostics{{
		Severity:  providers.Warning,
		Summary:   "The dataset is stale",
		Detail:    fmt.Sprintf("The newest object was modified %s ago (%s); checks.freshness allows %s. Applying a change to this dataset will fail until new data arrives.", roundAge(age), l.Newest.UTC().Format(time.RFC3339), cfg.Freshness),
		Attribute: pathChecks.GetAttr("freshness"),
	}}
}

func roundAge(d time.Duration) time.Duration {
	switch {
	case d > time.Hour:
		return d.Round(time.Minute)
	case d > time.Minute:
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}

func stringOr(v cty.Value, def string) string {
	if v.IsNull() || !v.IsKnown() {
		return def
	}
	return v.AsString()
}

func objects(n int) string {
	if n == 1 {
		return "1 object"
	}
	return fmt.Sprintf("%d objects", n)
}
