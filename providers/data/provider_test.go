package data

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
	"gocloud.dev/blob/memblob"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/providertest"
)

const digitsCSV = `pixel,label,split
0.5,0,train
0.25,1,train
0.75,2,test
`

func digitsConfig(t testing.TB, source string, extra map[string]cty.Value) cty.Value {
	attrs := map[string]cty.Value{
		"source": str(source),
		"schema": columns(map[string]map[string]cty.Value{
			"pixel": {"type": str("float64"), "min": cty.NumberIntVal(0), "max": cty.NumberIntVal(1)},
			"label": {"type": str("int64"), "nullable": cty.False, "values": cty.ListVal([]cty.Value{str("0"), str("1"), str("2")})},
			"split": {"type": str("string"), "values": cty.ListVal([]cty.Value{str("train"), str("test")})},
		}),
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return cfg(t, attrs)
}

func TestConformance(t *testing.T) {
	settings := func(t *testing.T) providers.Settings {
		dir := t.TempDir()
		writeFile(t, dir, "data/digits.csv", digitsCSV)
		var big strings.Builder
		big.WriteString("pixel,label,split\n")
		for i := range 1_000_000 {
			fmt.Fprintf(&big, "0.%d,%d,train\n", i%1000, i%3)
		}
		writeFile(t, dir, "big/digits.csv", big.String())
		return providers.Settings{WorkDir: dir, Workspace: "default"}
	}
	providertest.Run(t, func(t *testing.T) providers.Interface { return New() }, providertest.Cases{
		Settings: settings,
		Resources: []providertest.Case{{
			Name:   "digits",
			Kind:   Kind,
			Config: digitsConfig(t, "file://data/digits.csv", nil),
			Update: digitsConfig(t, "data/digits.csv", map[string]cty.Value{
				"checks": obj(map[string]cty.Value{"row_count": obj(map[string]cty.Value{"min": cty.NumberIntVal(2)})}),
			}),
		}},
		Cancel: []providertest.Case{{Name: "big", Kind: Kind, Config: digitsConfig(t, "big", nil)}},
	})
}

func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "data/part-0.csv", digitsCSV)
	p := configured(t, dir)
	config := digitsConfig(t, "data", nil)

	pr := plan(t, p, none, config)
	requireOK(t, "plan", pr.Diagnostics)
	if fp := pr.Planned.GetAttr("fingerprint"); !fp.IsKnown() || len(fp.AsString()) != 64 {
		t.Fatalf("planned fingerprint %#v, want it known at plan", fp)
	}
	if got := num(pr.Planned.GetAttr("version")); got != 1 {
		t.Errorf("planned version %v, want 1", got)
	}
	if len(pr.Reasons) != 1 || !strings.HasPrefix(pr.Reasons[0], "1 object, 55 B, fingerprint ") {
		t.Errorf("reasons %q", pr.Reasons)
	}
	var events []providers.Event
	ar := applyPlan(t, p, none, config, pr, func(e providers.Event) { events = append(events, e) })
	requireOK(t, "apply", ar.Diagnostics)
	v1 := instance{ar.New, ar.Private}
	if got := num(v1.value.GetAttr("row_count")); got != 3 {
		t.Errorf("row_count %v, want 3", got)
	}
	if got := v1.value.GetAttr("path").AsString(); got != "data" {
		t.Errorf("path %q, want the source's path relative to the configuration, data", got)
	}
	if got := v1.value.GetAttr("format").AsString(); got != "csv" {
		t.Errorf("format %q", got)
	}
	pixel := v1.value.GetAttr("statistics").Index(str("pixel"))
	if got := num(pixel.GetAttr("mean")); got != 0.5 {
		t.Errorf("pixel mean %v", got)
	}
	if got := num(pixel.GetAttr("quantiles").Index(str("p50"))); got != 0.5 {
		t.Errorf("pixel p50 %v", got)
	}
	if !v1.value.GetAttr("drift_report").IsNull() {
		t.Errorf("version 1 has a drift report")
	}
	if len(events) < 2 || events[len(events)-1].Progress.Message != "validating: 1/1 objects, 3 rows" {
		t.Errorf("events: %d, last %+v", len(events), events[len(events)-1].Progress)
	}

	// Nothing changed: the plan is the state.
	if pr := plan(t, p, v1, config); !pr.Planned.RawEquals(v1.value) || len(pr.Reasons) > 0 {
		t.Fatalf("no-op plan changed something: %v", pr.Reasons)
	}

	// A state written when paths were absolute: the same place, no change.
	old := v1.value.AsValueMap()
	old["path"] = str(filepath.Join(dir, "data"))
	abs := instance{cty.ObjectVal(old), v1.private}
	if pr := plan(t, p, abs, config); !pr.Planned.RawEquals(abs.value) || len(pr.Reasons) > 0 {
		t.Fatalf("a prior absolute path of the same place is planned as a change: %v", pr.Reasons)
	}

	// New data arrives: a new version, and the reason says what changed.
	writeFile(t, dir, "data/part-1.csv", digitsCSV)
	writeFile(t, dir, "data/_SUCCESS", "")
	pr = plan(t, p, v1, config)
	requireOK(t, "plan v2", pr.Diagnostics)
	if got := num(pr.Planned.GetAttr("version")); got != 2 {
		t.Errorf("planned version %v, want 2", got)
	}
	if pr.Planned.GetAttr("fingerprint").RawEquals(v1.value.GetAttr("fingerprint")) {
		t.Errorf("new data kept the fingerprint")
	}
	if len(pr.Reasons) != 1 || !strings.HasPrefix(pr.Reasons[0], "1 object added (+55 B); 2 objects, 110 B; fingerprint ") || !strings.HasSuffix(pr.Reasons[0], "version 1 -> 2") {
		t.Errorf("reasons %q", pr.Reasons)
	}
	if pr.Planned.GetAttr("row_count").IsKnown() {
		t.Errorf("row_count is known before the data is read")
	}

	// The data changes again between plan and apply: the apply refuses.
	writeFile(t, dir, "data/part-2.csv", digitsCSV)
	ar = applyPlan(t, p, v1, config, pr, nil)
	if !ar.Diagnostics.HasErrors() || ar.Diagnostics[0].Summary != "The data changed after the plan" {
		t.Fatalf("apply of a stale plan: %s", diagString(ar.Diagnostics))
	}
	if !ar.New.RawEquals(v1.value) {
		t.Errorf("a failed apply changed the state")
	}
	v3, _, _ := planApply(t, p, v1, config)
	if got := num(v3.value.GetAttr("version")); got != 2 {
		t.Errorf("version %v, want 2", got)
	}
	drift := v3.value.GetAttr("drift_report")
	if drift.IsNull() || num(drift.GetAttr("baseline_version")) != 1 || drift.GetAttr("verdict").AsString() != "ok" {
		t.Errorf("drift report %#v", drift)
	}

	// A stricter contract on the same data: validated again, same version.
	stricter := digitsConfig(t, "data", map[string]cty.Value{
		"checks": obj(map[string]cty.Value{"row_count": obj(map[string]cty.Value{"max": cty.NumberIntVal(5)})}),
	})
	pr = plan(t, p, v3, stricter)
	requireOK(t, "plan stricter", pr.Diagnostics)
	if got := num(pr.Planned.GetAttr("version")); got != 2 || !strings.HasPrefix(pr.Reasons[0], "the contract changed") {
		t.Errorf("version %v, reasons %q", got, pr.Reasons)
	}
	ar = applyPlan(t, p, v3, stricter, pr, nil)
	if len(ar.Diagnostics) != 1 || schema.FormatPath(ar.Diagnostics[0].Attribute) != "checks.row_count" ||
		!strings.Contains(ar.Diagnostics[0].Detail, "The dataset has 9 rows; row_count.max is 5.") {
		t.Errorf("diagnostics: %s", diagString(ar.Diagnostics))
	}

	// Destroy leaves the data alone.
	pr = plan(t, p, v3, cty.NullVal(datasetType))
	ar = applyPlan(t, p, v3, cty.NullVal(datasetType), pr, nil)
	requireOK(t, "destroy", ar.Diagnostics)
	if _, err := os.Stat(filepath.Join(dir, "data/part-0.csv")); err != nil || !ar.New.IsNull() {
		t.Errorf("destroy: %v, new %#v", err, ar.New)
	}
}

func TestBadData(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		summary string
		path    string
		detail  []string
	}{
		{
			name:    "wrong type",
			data:    strings.Replace(digitsCSV, "0.25,1,", "0.25,one,", 1),
			summary: `Column "label" fails its type check`,
			path:    `schema.column["label"].type`,
			detail:  []string{"1 of 3 rows hold a value that is not a valid int64 (whole numbers such as 42).", `digits.csv line 3: "one"`, `change schema.column "label".type`},
		},
		{
			name:    "unknown category",
			data:    digitsCSV + "0.5,1,validation\n0.5,1,dev\n",
			summary: `Column "split" fails its values check`,
			path:    `schema.column["split"].values`,
			detail:  []string{`2 of 5 rows hold a value that is not one of the allowed values ["train", "test"].`, `digits.csv line 5: "validation"`, `digits.csv line 6: "dev"`},
		},
		{
			name:    "null where not allowed",
			data:    digitsCSV + "0.5,,train\n",
			summary: `Column "label" fails its nullable check`,
			path:    `schema.column["label"].nullable`,
			detail:  []string{"digits.csv line 5: null", "Nothing that depends on dataset.digits runs until it passes."},
		},
		{
			name:    "missing column",
			data:    "pixel,label\n0.5,1\n",
			summary: `Column "split" is missing`,
			path:    `schema.column["split"]`,
			detail:  []string{`digits.csv: has no column "split"`, "remove it from the schema"},
		},
		{
			name:    "out of range",
			data:    digitsCSV + "1.5,1,train\n",
			summary: `Column "pixel" fails its max check`,
			path:    `schema.column["pixel"].max`,
			detail:  []string{"1 of 4 rows are above max = 1.", "digits.csv line 5: 1.5"},
		},
		{
			name:    "extra column",
			data:    "pixel,label,split,note\n0.5,1,train,x\n",
			summary: `Unexpected column "note"`,
			path:    "schema",
			detail:  []string{`digits.csv: has the column "note", which the schema does not declare`, `Declare column "note" in the schema, or set allow_extra_columns = true.`},
		},
		{
			name:    "malformed quoting",
			data:    digitsCSV + "0.5,1,\"train\n0.5,2,test\n",
			summary: "Unreadable data",
			path:    "source",
			detail:  []string{`digits.csv line 5: is not valid CSV: the row that starts at line 5 runs to line 6, column 12: extraneous or missing " in quoted-field`, "1 row cannot be read."},
		},
		{
			name:    "empty file",
			data:    "",
			summary: "Empty object",
			path:    "source",
			detail:  []string{"digits.csv: is empty (0 bytes)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "digits.csv", tt.data)
			p := configured(t, dir)
			config := digitsConfig(t, "digits.csv", nil)
			pr := plan(t, p, none, config)
			requireOK(t, "plan", pr.Diagnostics)
			ar := applyPlan(t, p, none, config, pr, nil)
			if len(ar.Diagnostics) != 1 {
				t.Fatalf("want one diagnostic, got:\n%s", diagString(ar.Diagnostics))
			}
			d := ar.Diagnostics[0]
			if d.Severity != providers.Error || d.Summary != tt.summary || schema.FormatPath(d.Attribute) != tt.path {
				t.Errorf("got %c %q at %s, want %q at %s", d.Severity, d.Summary, schema.FormatPath(d.Attribute), tt.summary, tt.path)
			}
			for _, want := range tt.detail {
				if !strings.Contains(d.Detail, want) {
					t.Errorf("detail lacks %q:\n%s", want, d.Detail)
				}
			}
			if !ar.New.IsNull() {
				t.Errorf("a failed create left a state")
			}
		})
	}
}

func TestUnreadableSource(t *testing.T) {
	p := configured(t, t.TempDir())
	pr := plan(t, p, none, digitsConfig(t, "file://nowhere/digits.csv", nil))
	if len(pr.Diagnostics) != 1 || pr.Diagnostics[0].Summary != "Cannot read the dataset source" || schema.FormatPath(pr.Diagnostics[0].Attribute) != "source" ||
		!strings.Contains(pr.Diagnostics[0].Detail, "does not exist") {
		t.Errorf("diagnostics: %s", diagString(pr.Diagnostics))
	}
	pr = plan(t, p, none, digitsConfig(t, "ftp://host/x.csv", nil))
	if len(pr.Diagnostics) != 1 || !strings.Contains(pr.Diagnostics[0].Detail, `unsupported scheme "ftp"`) {
		t.Errorf("diagnostics: %s", diagString(pr.Diagnostics))
	}
}

func TestMemBucketJSONL(t *testing.T) {
	ctx := context.Background()
	bk := memblob.OpenBucket(nil)
	for k, v := range map[string]string{
		"lake/digits/a.jsonl": `{"pixel": 0.5, "label": 1, "split": "train"}` + "\n",
		"lake/digits/b.jsonl": `{"pixel": 0.1, "label": 2, "split": "test"}` + "\n",
	} {
		if err := bk.WriteAll(ctx, k, []byte(v), nil); err != nil {
			t.Fatal(err)
		}
	}
	p := configured(t, t.TempDir())
	p.buckets.Put("mem://", bk)
	v, pr, _ := planApply(t, p, none, digitsConfig(t, "mem:///lake/digits/", nil))
	if got := v.value.GetAttr("format").AsString(); got != "jsonl" {
		t.Errorf("format %q", got)
	}
	if got := num(v.value.GetAttr("row_count")); got != 2 {
		t.Errorf("row_count %v", got)
	}
	if got := v.value.GetAttr("path").AsString(); got != "mem:///lake/digits/" {
		t.Errorf("path %q", got)
	}
	if !strings.HasPrefix(pr.Reasons[0], "2 objects, 89 B") {
		t.Errorf("reasons %q", pr.Reasons)
	}
}

func TestDrift(t *testing.T) {
	uniform := "pixel,label,split\n"
	skewed := "pixel,label,split\n"
	for i := range 300 {
		uniform += fmt.Sprintf("0.%03d,%d,train\n", i, i%3)
		skewed += fmt.Sprintf("0.%03d,0,train\n", 900+i%100)
	}
	for _, onDrift := range []string{"warn", "fail"} {
		t.Run(onDrift, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "d.csv", uniform)
			p := configured(t, dir)
			config := digitsConfig(t, "d.csv", map[string]cty.Value{
				"drift": obj(map[string]cty.Value{"on_drift": str(onDrift), "columns": cty.MapVal(map[string]cty.Value{"split": cty.NumberFloatVal(0.5)})}),
			})
			v1, _, _ := planApply(t, p, none, config)
			writeFile(t, dir, "d.csv", skewed)
			pr := plan(t, p, v1, config)
			requireOK(t, "plan", pr.Diagnostics)
			ar := applyPlan(t, p, v1, config, pr, nil)
			if len(ar.Diagnostics) != 1 {
				t.Fatalf("diagnostics:\n%s", diagString(ar.Diagnostics))
			}
			d := ar.Diagnostics[0]
			if d.Summary != "The data drifted from version 1" || schema.FormatPath(d.Attribute) != "drift" ||
				!strings.Contains(d.Detail, "label: PSI ") || !strings.Contains(d.Detail, "pixel: PSI ") || strings.Contains(d.Detail, "split") {
				t.Errorf("diagnostic: %s", diagString(ar.Diagnostics))
			}
			if onDrift == "fail" {
				if d.Severity != providers.Error || !ar.New.RawEquals(v1.value) {
					t.Errorf("on_drift = fail: severity %c, state changed %v", d.Severity, !ar.New.RawEquals(v1.value))
				}
				return
			}
			rep := ar.New.GetAttr("drift_report")
			got := map[string]string{}
			for it := rep.GetAttr("columns").ElementIterator(); it.Next(); {
				k, c := it.Element()
				got[k.AsString()] = c.GetAttr("verdict").AsString() + fmt.Sprintf(" %g", num(c.GetAttr("threshold")))
			}
			want := map[string]string{"label": "drift 0.2", "pixel": "drift 0.2", "split": "ok 0.5"}
			if diff := cmp.Diff(want, got); diff != "" || rep.GetAttr("verdict").AsString() != "drift" {
				t.Errorf("drift report (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPinnedBaselineMissing(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "d.csv", digitsCSV)
	p := configured(t, dir)
	v1, _, _ := planApply(t, p, none, digitsConfig(t, "d.csv", nil))
	writeFile(t, dir, "d.csv", digitsCSV+"0.5,1,train\n")
	pr := plan(t, p, v1, digitsConfig(t, "d.csv", map[string]cty.Value{"drift": obj(map[string]cty.Value{"baseline_version": cty.NumberIntVal(7)})}))
	if len(pr.Diagnostics) != 1 || schema.FormatPath(pr.Diagnostics[0].Attribute) != "drift.baseline_version" ||
		!strings.Contains(pr.Diagnostics[0].Detail, "no stored statistics for version 7 (stored versions: 1)") {
		t.Errorf("diagnostics: %s", diagString(pr.Diagnostics))
	}
}

func TestFreshness(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "d.csv", digitsCSV)
	old := time.Now().Add(-72 * time.Hour)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	prov := configured(t, dir)
	config := digitsConfig(t, "d.csv", map[string]cty.Value{"checks": obj(map[string]cty.Value{"freshness": str("2d")})})
	pr := plan(t, prov, none, config)
	if len(pr.Diagnostics) != 1 || pr.Diagnostics[0].Severity != providers.Warning || schema.FormatPath(pr.Diagnostics[0].Attribute) != "checks.freshness" {
		t.Fatalf("plan diagnostics: %s", diagString(pr.Diagnostics))
	}
	ar := applyPlan(t, prov, none, config, pr, nil)
	if !ar.Diagnostics.HasErrors() || ar.Diagnostics[0].Summary != "The dataset is stale" {
		t.Errorf("apply diagnostics: %s", diagString(ar.Diagnostics))
	}
}

func TestValidateConfig(t *testing.T) {
	col := func(attrs map[string]cty.Value) map[string]cty.Value {
		return map[string]cty.Value{"schema": columns(map[string]map[string]cty.Value{"c": attrs})}
	}
	tests := []struct {
		name  string
		attrs map[string]cty.Value
		want  []string // "path: summary"
	}{
		{"good", col(map[string]cty.Value{"type": str("int64"), "min": cty.NumberIntVal(0)}), nil},
		{"unknown type", col(map[string]cty.Value{"type": str("integer")}), []string{`schema.column["c"].type: Unknown column type`}},
		{"min on a string", col(map[string]cty.Value{"type": str("string"), "min": cty.NumberIntVal(0)}), []string{`schema.column["c"].min: Invalid dataset contract`}},
		{"bad regex", col(map[string]cty.Value{"type": str("string"), "regex": str("(")}), []string{`schema.column["c"].regex: Invalid dataset contract`}},
		{"value of another type", col(map[string]cty.Value{"type": str("int64"), "values": cty.ListVal([]cty.Value{str("a")})}), []string{`schema.column["c"].values: Invalid dataset contract`}},
		{"min above max", col(map[string]cty.Value{"type": str("float64"), "min": cty.NumberIntVal(2), "max": cty.NumberIntVal(1)}), []string{`schema.column["c"].min: Invalid dataset contract`}},
		{"format", map[string]cty.Value{"format": str("xlsx")}, []string{"format: Unknown dataset format"}},
		{"delimiter", map[string]cty.Value{"csv": obj(map[string]cty.Value{"delimiter": str(";;")})}, []string{"csv.delimiter: Invalid CSV delimiter"}},
		{"freshness", map[string]cty.Value{"checks": obj(map[string]cty.Value{"freshness": str("soon")})}, []string{"checks.freshness: Invalid freshness"}},
		{"null fraction", map[string]cty.Value{"checks": obj(map[string]cty.Value{"max_null_fraction": cty.NumberFloatVal(1.5)})}, []string{"checks.max_null_fraction: Invalid dataset contract"}},
		{"row count", map[string]cty.Value{"checks": obj(map[string]cty.Value{"row_count": obj(map[string]cty.Value{"min": cty.NumberIntVal(5), "max": cty.NumberIntVal(1)})})}, []string{"checks.row_count: Invalid dataset contract"}},
		{"on_drift", map[string]cty.Value{"drift": obj(map[string]cty.Value{"on_drift": str("panic")})}, []string{"drift.on_drift: Invalid on_drift"}},
		{"unique_memory", map[string]cty.Value{"unique_memory": str("lots")}, []string{"unique_memory: Invalid unique_memory"}},
		{"unique_memory too small", map[string]cty.Value{"unique_memory": str("64KB")}, []string{"unique_memory: Invalid unique_memory"}},
		{"drift column", func() map[string]cty.Value {
			a := col(map[string]cty.Value{"type": str("int64")})
			a["drift"] = obj(map[string]cty.Value{"columns": cty.MapVal(map[string]cty.Value{"d": cty.NumberFloatVal(0.1)})})
			return a
		}(), []string{`drift.columns["d"]: Unknown drift column`}},
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := map[string]cty.Value{"source": str("data.csv")}
			for k, v := range tt.attrs {
				attrs[k] = v
			}
			r := p.ValidateConfig(context.Background(), providers.ValidateConfigRequest{Kind: Kind, Config: cfg(t, attrs)})
			var got []string
			for _, d := range r.Diagnostics {
				got = append(got, schema.FormatPath(d.Attribute)+": "+d.Summary)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, diagString(r.Diagnostics))
			}
		})
	}
}

func TestTruncatedParquet(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{{Name: "pixel", Type: arrow.PrimitiveTypes.Float64}}, nil)
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	b.AppendValues([]float64{0.1, 0.2, 0.3}, nil)
	col := b.NewArray()
	rec := array.NewRecordBatch(sc, []arrow.Array{col}, 3)
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(sc, &buf, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	dir := t.TempDir()
	writeFile(t, dir, "d/part-0.parquet", buf.String())
	writeFile(t, dir, "d/part-1.parquet", buf.String()[:buf.Len()-10])
	p := configured(t, dir)
	config := cfg(t, map[string]cty.Value{"source": str("d"), "schema": columns(map[string]map[string]cty.Value{"pixel": {"type": str("float64")}})})
	pr := plan(t, p, none, config)
	requireOK(t, "plan", pr.Diagnostics)
	ar := applyPlan(t, p, none, config, pr, nil)
	if len(ar.Diagnostics) != 1 || ar.Diagnostics[0].Summary != "Unreadable data" ||
		!strings.Contains(ar.Diagnostics[0].Detail, "part-1.parquet: is not a readable Parquet file (truncated, or not Parquet: check format)") {
		t.Errorf("diagnostics: %s", diagString(ar.Diagnostics))
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"512MB": 512e6, "512MiB": 512 << 20, "1.5 GiB": 3 << 29, "2gb": 2e9, "1048576B": 1 << 20} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}
