package data

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/data/source"
	"github.com/mltf/mltf/providers/data/validate"
)

// config is a decoded dataset configuration.
type config struct {
	Source string
	// Format is "" when the configuration leaves it to the extension.
	Format    validate.Format
	Contract  validate.Contract
	Freshness time.Duration // 0: not checked
	Drift     driftConfig
	// UniqueMemory is the unique checks' memory budget in bytes; 0 means
	// the default.
	UniqueMemory int64
	// Known is false when some of the configuration is known only after
	// apply (only the source matters for planning).
	Known bool
}

type driftConfig struct {
	Baseline  int64 // 0: the previous version
	Threshold float64
	Columns   map[string]float64
	Fail      bool
}

const defaultDriftThreshold = 0.2

var (
	pathSchema   = cty.GetAttrPath("schema")
	pathChecks   = cty.GetAttrPath("checks")
	pathDrift    = cty.GetAttrPath("drift")
	pathCSV      = cty.GetAttrPath("csv")
	pathSource   = cty.GetAttrPath("source")
	pathFormat   = cty.GetAttrPath("format")
	pathRowCount = pathChecks.GetAttr("row_count")
)

func columnPath(name string) cty.Path {
	return pathSchema.GetAttr("column").Index(cty.StringVal(name))
}

// decodeConfig reads a configuration value and checks what can be checked
// without the data. Unknown values are skipped (and Known is false).
func decodeConfig(v cty.Value) (*config, providers.Diagnostics) {
	c := &config{Known: v.IsWhollyKnown(), Drift: driftConfig{Threshold: defaultDriftThreshold}}
	var diags providers.Diagnostics
	bad := func(path cty.Path, summary, detail string, args ...any) {
		diags = diags.AttrError(path, summary, fmt.Sprintf(detail, args...))
	}
	if s := v.GetAttr("source"); s.IsKnown() && !s.IsNull() {
		c.Source = s.AsString()
		if strings.TrimSpace(c.Source) == "" {
			bad(pathSource, "Empty dataset source", "Set source to a local path or a blob URL such as file://data/train.csv or s3://bucket/prefix/.")
		} else if _, err := source.Resolve(c.Source, ""); err != nil {
			// The scheme, the bucket and the path are the configuration's;
			// whether anything is there is the plan's to find out.
			bad(pathSource, "Invalid dataset source", "%v.", err)
		}
	}
	if f := v.GetAttr("format"); f.IsKnown() && !f.IsNull() {
		c.Format = validate.Format(f.AsString())
		if !slices.Contains(validate.Formats, f.AsString()) {
			bad(pathFormat, "Unknown dataset format", "format is %q; use one of %s.", f.AsString(), strings.Join(validate.Formats, ", "))
		}
	}
	ct := &c.Contract
	ct.AllowExtra = boolOr(v.GetAttr("allow_extra_columns"), false)
	if m := v.GetAttr("unique_memory"); m.IsKnown() && !m.IsNull() {
		n, err := parseSize(m.AsString())
		if err != nil {
			bad(cty.GetAttrPath("unique_memory"), "Invalid unique_memory", "%v", err)
		}
		c.UniqueMemory = n
	}

	if csv := v.GetAttr("csv"); csv.IsKnown() && !csv.IsNull() {
		if d := csv.GetAttr("delimiter"); d.IsKnown() && !d.IsNull() {
			s := d.AsString()
			r, n := utf8.DecodeRuneInString(s)
			if n == 0 || n != len(s) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
				bad(pathCSV.GetAttr("delimiter"), "Invalid CSV delimiter", "delimiter is %q; it must be one character other than a quote or a line break, such as \",\", \";\" or \"\\t\".", s)
			} else {
				ct.Delimiter = r
			}
		}
		ct.NoHeader = !boolOr(csv.GetAttr("header"), true)
	}

	if sc := v.GetAttr("schema"); sc.IsKnown() && !sc.IsNull() {
		ct.Schema = true
		if cols := sc.GetAttr("column"); cols.IsKnown() && !cols.IsNull() {
			for it := cols.ElementIterator(); it.Next(); {
				k, cv := it.Element()
				name := k.AsString()
				col, ds := decodeColumn(name, cv)
				diags = append(diags, ds...)
				ct.Columns = append(ct.Columns, col)
			}
		}
	}

	if ch := v.GetAttr("checks"); ch.IsKnown() && !ch.IsNull() {
		if rc := ch.GetAttr("row_count"); rc.IsKnown() && !rc.IsNull() {
			ct.MinRows = intAttr(rc, "min", pathRowCount, &diags)
			ct.MaxRows = intAttr(rc, "max", pathRowCount, &diags)
		}
		if f := ch.GetAttr("max_null_fraction"); f.IsKnown() && !f.IsNull() {
			x, _ := f.AsBigFloat().Float64()
			ct.MaxNullFraction = &x
		}
		if f := ch.GetAttr("freshness"); f.IsKnown() && !f.IsNull() {
			d, err := parseDuration(f.AsString())
			if err != nil {
				bad(pathChecks.GetAttr("freshness"), "Invalid freshness", "%v", err)
			}
			c.Freshness = d
		}
	}

	if dr := v.GetAttr("drift"); dr.IsKnown() && !dr.IsNull() {
		p := pathDrift
		if b := dr.GetAttr("baseline_version"); b.IsKnown() && !b.IsNull() {
			n, ok := wholeNumber(b)
			if !ok || n < 1 {
				bad(p.GetAttr("baseline_version"), "Invalid baseline version", "baseline_version is %s; it must be a version number, 1 or more.", b.AsBigFloat().Text('g', -1))
			}
			c.Drift.Baseline = n
		}
		if t := dr.GetAttr("threshold"); t.IsKnown() && !t.IsNull() {
			c.Drift.Threshold, _ = t.AsBigFloat().Float64()
			if c.Drift.Threshold <= 0 {
				bad(p.GetAttr("threshold"), "Invalid drift threshold", "threshold is %g; it must be above 0 (0.1 is a moderate shift, 0.2 a significant one).", c.Drift.Threshold)
			}
		}
		if cols := dr.GetAttr("columns"); cols.IsKnown() && !cols.IsNull() {
			c.Drift.Columns = map[string]float64{}
			for it := cols.ElementIterator(); it.Next(); {
				k, t := it.Element()
				if !t.IsKnown() || t.IsNull() {
					continue
				}
				x, _ := t.AsBigFloat().Float64()
				if x <= 0 {
					bad(p.GetAttr("columns").Index(k), "Invalid drift threshold", "the threshold of column %q is %g; it must be above 0.", k.AsString(), x)
				}
				c.Drift.Columns[k.AsString()] = x
			}
		}
		if o := dr.GetAttr("on_drift"); o.IsKnown() && !o.IsNull() {
			switch o.AsString() {
			case "warn":
			case "fail":
				c.Drift.Fail = true
			default:
				bad(p.GetAttr("on_drift"), "Invalid on_drift", "on_drift is %q; use \"warn\" or \"fail\".", o.AsString())
			}
		}
	}

	if ct.Schema {
		for name := range c.Drift.Columns {
			if !slices.ContainsFunc(ct.Columns, func(col validate.Column) bool { return col.Name == name }) {
				bad(pathDrift.GetAttr("columns").Index(cty.StringVal(name)), "Unknown drift column", "drift.columns names %q, which the schema does not declare.", name)
			}
		}
	}
	for _, pr := range ct.Check() {
		path := pathChecks.GetAttr(pr.Field)
		if pr.Column != "" {
			path = columnPath(pr.Column).GetAttr(pr.Field)
		} else if pr.Field == "row_count" {
			path = pathRowCount
		}
		diags = diags.AttrError(path, "Invalid dataset contract", pr.Message+".")
	}
	return c, diags
}

func decodeColumn(name string, v cty.Value) (validate.Column, providers.Diagnostics) {
	col := validate.Column{Name: name, Nullable: true}
	var diags providers.Diagnostics
	p := columnPath(name)
	if t := v.GetAttr("type"); t.IsKnown() && !t.IsNull() {
		typ, ok := validate.ParseType(t.AsString())
		if !ok {
			diags = diags.AttrError(p.GetAttr("type"), "Unknown column type", fmt.Sprintf("Column %q has type %q; use one of %s.", name, t.AsString(), strings.Join(validate.TypeNames, ", ")))
		}
		col.Type = typ
	}
	col.Nullable = boolOr(v.GetAttr("nullable"), true)
	col.Unique = boolOr(v.GetAttr("unique"), false)
	col.Min = floatAttr(v.GetAttr("min"))
	col.Max = floatAttr(v.GetAttr("max"))
	if r := v.GetAttr("regex"); r.IsKnown() && !r.IsNull() {
		col.Regex = r.AsString()
	}
	if vs := v.GetAttr("values"); vs.IsKnown() && !vs.IsNull() {
		col.Values = []string{}
		for it := vs.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsKnown() && !e.IsNull() {
				col.Values = append(col.Values, e.AsString())
			}
		}
	}
	if col.Type == 0 {
		// Leave the checks of an unknown type to the type diagnostic.
		col.Type = validate.String
		col.Min, col.Max, col.Regex, col.Values = nil, nil, "", nil
	}
	return col, diags
}

func boolOr(v cty.Value, def bool) bool {
	if v.IsNull() || !v.IsKnown() {
		return def
	}
	return v.True()
}

func floatAttr(v cty.Value) *float64 {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	f, _ := v.AsBigFloat().Float64()
	return &f
}

func wholeNumber(v cty.Value) (int64, bool) {
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return 0, false
	}
	n, acc := bf.Int64()
	return n, acc == big.Exact
}

func intAttr(obj cty.Value, name string, p cty.Path, diags *providers.Diagnostics) *int64 {
	v := obj.GetAttr(name)
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	n, ok := wholeNumber(v)
	if !ok || n < 0 {
		*diags = diags.AttrError(p.GetAttr(name), "Invalid row count", fmt.Sprintf("row_count.%s is %s; it must be a whole number, 0 or more.", name, v.AsBigFloat().Text('g', -1)))
		return nil
	}
	return &n
}

// sizeUnits are the units of parseSize, by their lower-case names.
var sizeUnits = map[string]int64{
	"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseSize reads an amount of memory: "512MB", "1.5 GiB".
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("unique_memory is %q; write an amount of memory such as \"512MB\" or \"2GiB\"", s)
	}
	x, err := strconv.ParseFloat(t[:i], 64)
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if err != nil || !ok {
		return 0, fmt.Errorf("unique_memory is %q; write an amount of memory such as \"512MB\" or \"2GiB\" (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)", s)
	}
	n := int64(x * float64(unit))
	if n < 1<<20 {
		return 0, fmt.Errorf("unique_memory is %q; it must be at least 1MiB", s)
	}
	return n, nil
}

// parseDuration reads a Go duration, plus whole days: "7d", "1d12h".
func parseDuration(s string) (time.Duration, error) {
	orig := s
	var days int64
	if i := strings.Index(s, "d"); i > 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err == nil {
			days, s = n, s[i+1:]
		}
	}
	var d time.Duration
	if s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("freshness is %q; write a duration such as \"36h\", \"90m\" or \"7d\"", orig)
		}
	}
	d += time.Duration(days) * 24 * time.Hour
	if d <= 0 {
		return 0, fmt.Errorf("freshness is %q; it must be longer than zero", orig)
	}
	return d, nil
}
