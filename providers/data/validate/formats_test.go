package validate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var day = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

var parquetFields = []arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "label", Type: arrow.PrimitiveTypes.Int32},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}

var parquetRows = [][]any{
	{int64(1), int64(0), 0.5, "alice", true, day},
	{int64(2), int64(1), 0.25, "bob", false, day.Add(time.Hour)},
	{int64(3), int64(2), nil, "carol", nil, nil},
	{int64(4), int64(1), 1.0, "dan", true, day.Add(48 * time.Hour)},
}

func TestParquet(t *testing.T) {
	good := parquetFile(t, parquetFields, parquetRows)
	bad := parquetFile(t, parquetFields, [][]any{
		{int64(1), int64(7), 1.5, "Alice", true, day},
		{int64(1), int64(1), nil, "bob", nil, nil},
	})
	wrongType := parquetFile(t, []arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "label", Type: arrow.PrimitiveTypes.Int64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "ts", Type: arrow.BinaryTypes.String},
		{Name: "extra", Type: arrow.PrimitiveTypes.Int64},
	}, [][]any{{"x", int64(1), 0.5, "a", true, "2024", int64(1)}})
	tests := []struct {
		name  string
		files map[string][]byte
		want  []failure
	}{
		{name: "good", files: map[string][]byte{"a.parquet": good, "b.parquet": parquetFile(t, parquetFields, parquetRows[:0])}},
		{
			name:  "bad values",
			files: map[string][]byte{"a.parquet": bad},
			want: []failure{
				{Check: CheckMax, Column: "score", Rows: 1, Objects: 1, Example: "a.parquet:1:1.5"},
				{Check: CheckValues, Column: "label", Rows: 1, Objects: 1, Example: "a.parquet:1:7"},
				{Check: CheckRegex, Column: "name", Rows: 1, Objects: 1, Example: `a.parquet:1:"Alice"`},
				{Check: CheckUnique, Column: "id", Rows: 1, Objects: 1, Example: "a.parquet:2:1, as in row 1"},
			},
		},
		{
			name:  "wrong types, missing and extra columns",
			files: map[string][]byte{"a.parquet": wrongType},
			want: []failure{
				{Check: CheckExtraColumn, Column: "extra", Objects: 1, Example: `a.parquet:0:has the column "extra", which the schema does not declare`},
				{Check: CheckType, Column: "id", Rows: 1, Objects: 1, Example: "a.parquet:0:the column is string in the file"},
				{Check: CheckType, Column: "ts", Rows: 1, Objects: 1, Example: "a.parquet:0:the column is string in the file"},
			},
		},
		{
			name:  "truncated",
			files: map[string][]byte{"a.parquet": good[:len(good)/2]},
			want: []failure{{Check: CheckRead, Objects: 1,
				Example: "a.parquet:0:is not a readable Parquet file (truncated, or not Parquet: check format): parquet: file is smaller than indicated metadata size"}},
		},
		{
			name:  "empty",
			files: map[string][]byte{"a.parquet": {}},
			want:  []failure{{Check: CheckEmpty, Objects: 1, Example: "a.parquet:0:is empty (0 bytes)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := csvContract()
			c.Format = Parquet
			res := validateFiles(t, tt.files, c)
			// Column failures come in column order; sort by the check table.
			if diff := cmp.Diff(tt.want, failures(res), sortFailures); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
				for _, f := range res.Failures {
					t.Logf("%+v", f)
				}
			}
		})
	}
}

var sortFailures = cmp.Transformer("sort", func(fs []failure) map[string]failure {
	m := map[string]failure{}
	for _, f := range fs {
		m[string(f.Check)+"/"+f.Column] = f
	}
	return m
})

func TestParquetStatistics(t *testing.T) {
	c := csvContract()
	c.Format = Parquet
	res := validateFiles(t, map[string][]byte{"a.parquet": parquetFile(t, parquetFields, parquetRows)}, c)
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %+v", res.Failures)
	}
	if res.Rows != 4 {
		t.Errorf("rows = %d, want 4", res.Rows)
	}
	score := res.Column("score").Summary
	if score.Count != 3 || score.Nulls != 1 || *score.Min != 0.25 || *score.Max != 1 || *score.Mean != 0.583333333333 {
		t.Errorf("score statistics: %+v", score)
	}
	ts := res.Column("ts").Summary
	if *ts.Min != float64(day.Unix()) || *ts.Max != float64(day.Add(48*time.Hour).Unix()) {
		t.Errorf("ts statistics: min %v max %v", *ts.Min, *ts.Max)
	}
	flag := res.Column("flag").Summary
	if diff := cmp.Diff(`[{true 2} {false 1}]`, fmtTop(flag.Top)); diff != "" {
		t.Errorf("flag top (-want +got):\n%s", diff)
	}
}

func TestJSONL(t *testing.T) {
	good := `{"id": 1, "label": 0, "score": 0.5, "name": "alice", "flag": true, "ts": "2024-05-01T00:00:00Z"}
{"id": 2, "label": 1.0, "score": null, "name": "bob", "flag": false}

{"id": 3, "label": 2, "score": 1, "name": "carol", "ts": "2024-05-02"}
`
	tests := []struct {
		name  string
		data  string
		want  []failure
		allow bool
	}{
		{name: "good", data: good},
		{
			name: "wrong type",
			data: good + `{"id": "4", "label": 2, "name": "dan"}` + "\n",
			want: []failure{{Check: CheckType, Column: "id", Rows: 1, Objects: 1, Example: `a.jsonl:5:"\"4\""`}},
		},
		{
			name: "not JSON",
			data: good + `{"id": 4, "label": 2, "name": "dan"` + "\n" + "[1]\n",
			want: []failure{{Check: CheckRead, Rows: 2, Objects: 1, Example: `a.jsonl:5:not a JSON object: the line ends inside the object, at column 36`}},
		},
		{
			name: "missing key and null",
			data: `{"id": 1, "label": 0, "score": 0.5, "flag": true, "ts": null}` + "\n",
			want: []failure{{Check: CheckMissingColumn, Column: "name", Objects: 1, Example: `a.jsonl:0:has no column "name"`}},
		},
		{
			name: "null where not allowed",
			data: good + `{"id": 5, "label": null, "name": "eve"}` + "\n",
			want: []failure{{Check: CheckNullable, Column: "label", Rows: 1, Objects: 1, Example: `a.jsonl:5:null`}},
		},
		{
			name: "extra key",
			data: good + `{"id": 5, "label": 1, "name": "eve", "x": 1}` + "\n",
			want: []failure{{Check: CheckExtraColumn, Column: "x", Rows: 1, Objects: 1, Example: `a.jsonl:5:has the key "x"`}},
		},
		{name: "extra key allowed", allow: true, data: good + `{"id": 5, "label": 1, "name": "eve", "x": 1}` + "\n"},
		{
			name: "blank lines only",
			data: "\n\n",
			want: []failure{{Check: CheckEmpty, Objects: 1, Example: `a.jsonl:0:has no records, only blank lines`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := csvContract()
			c.Format = JSONL
			c.AllowExtra = tt.allow
			res := validateFiles(t, map[string][]byte{"a.jsonl": []byte(tt.data)}, c)
			if diff := cmp.Diff(tt.want, failures(res), sortFailures); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
				for _, f := range res.Failures {
					t.Logf("%+v", f)
				}
			}
		})
	}
}

func TestUnreadableObject(t *testing.T) {
	dir := t.TempDir()
	res := validateDir(t, dir, []Object{{Key: "gone.csv", Size: 10}}, csvContract())
	want := []failure{{Check: CheckRead, Objects: 1, Example: "gone.csv:0:cannot be opened: open " + dir + "/gone.csv: no such file or directory"}}
	if diff := cmp.Diff(want, failures(res)); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
}

func TestCSVStatistics(t *testing.T) {
	c := csvContract()
	c.AllowExtra = true
	data := "id,label,score,name,flag,ts,extra\n" +
		"1,0,0.5,alice,true,2024-01-01T00:00:00Z,x\n" +
		"2,1,0.25,bob,false,2024-01-02,y\n" +
		"3,1,,bob,true,2024-01-03 10:00:00.5+02:00,x\n"
	res := validateFiles(t, map[string][]byte{"a.csv": []byte(data)}, c)
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %+v", res.Failures)
	}
	got := map[string]string{}
	for _, col := range res.Columns {
		got[col.Name] = fmtSummary(col)
	}
	want := map[string]string{
		"flag":  "bool count 3+0 top [{true 2} {false 1}]",
		"id":    "int64 count 3+0 min 1 max 3 mean 2 sd 0.8165 p50 2",
		"label": "int64 count 3+0 min 0 max 1 mean 0.6666667 sd 0.4714 p50 1 top [{1 2} {0 1}]",
		"name":  "string count 3+0 top [{bob 2} {alice 1}]",
		"score": "float64 count 2+1 min 0.25 max 0.5 mean 0.375 sd 0.125 p50 0.375",
		"ts":    "timestamp count 3+0 min 1.7041e+09 max 1704268800.5 mean 1.704163e+09 sd 8.258e+04 p50 1.7041536e+09",
	}
	want["extra"] = "string count 3+0 top [{x 2} {y 1}]"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statistics (-want +got):\n%s", diff)
	}
}

// TestJSONLChunks reads a JSON lines file whole and in pieces of a few
// dozen bytes: the failures and statistics must not differ, and lines keep
// their numbers.
func TestJSONLChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("\xef\xbb\xbf")
	for i := 1; i <= 200; i++ {
		switch {
		case i%50 == 0:
			b.WriteString("\r\n") // a blank line
		case i == 120:
			b.WriteString(`{"id": 7, "name": "dup"}` + "\n")
		case i == 151:
			b.WriteString("[1, 2]\n")
		default:
			fmt.Fprintf(&b, `{"id": %d, "name": "n%d", "score": 0.%d}`+"\r\n", i, i, i%10)
		}
	}
	c := &Contract{Format: JSONL, Schema: true, Columns: []Column{
		{Name: "id", Type: Int64, Unique: true},
		{Name: "name", Type: String},
		{Name: "score", Type: Float64, Nullable: true},
	}}
	src, obj := openFile(t, "a.jsonl", []byte(b.String()))
	run := func(chunk int) *Result {
		res, err := Run(context.Background(), src, []Object{obj}, c, Options{Parallelism: 3, ChunkSize: chunk})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	whole, pieces := run(1<<20), run(40)
	want := []failure{
		{Check: CheckRead, Rows: 1, Objects: 1, Example: "a.jsonl:151:not a JSON object: the line holds a JSON array, not an object"},
		{Check: CheckUnique, Column: "id", Rows: 1, Objects: 1, Example: "a.jsonl:120:7, as in line 7"},
	}
	for name, res := range map[string]*Result{"whole": whole, "pieces": pieces} {
		if res.Rows != 196 {
			t.Errorf("%s: %d rows, want 196", name, res.Rows)
		}
		if diff := cmp.Diff(want, failures(res)); diff != "" {
			t.Errorf("%s failures (-want +got):\n%s", name, diff)
		}
	}
	for _, col := range []string{"id", "name", "score"} {
		if diff := cmp.Diff(whole.Column(col).Summary, pieces.Column(col).Summary, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Errorf("statistics of %s (-whole +pieces):\n%s", col, diff)
		}
	}
}

// TestParquetRowGroups reads a file of 334 row groups (3 rows each), which
// readers take in parallel (one at a time with a unique column): failures
// keep their row numbers across row groups, a repeat in another row group
// is found, and the statistics are those of every row once.
func TestParquetRowGroups(t *testing.T) {
	const n = 1000
	rows := make([][]any, n)
	for i := range rows {
		id, label := int64(i+1), int64(i%2)
		switch i + 1 {
		case 700:
			id = 5 // the id of row 5, in another row group
		case 333:
			label = 7
		}
		rows[i] = []any{id, label, float64(i+1) / n, "n", i%3 == 0, day.Add(time.Duration(i) * time.Minute)}
	}
	c := csvContract()
	c.Format = Parquet
	src, obj := openFile(t, "a.parquet", parquetFile(t, parquetFields, rows))
	for _, tc := range []struct {
		par    int
		unique bool
	}{{1, true}, {4, true}, {4, false}} {
		t.Run(fmt.Sprintf("parallelism %d unique %v", tc.par, tc.unique), func(t *testing.T) {
			c.Columns[0].Unique = tc.unique
			res, err := Run(context.Background(), src, []Object{obj}, c, Options{Parallelism: tc.par, BatchRows: 2})
			if err != nil {
				t.Fatal(err)
			}
			want := []failure{
				{Check: CheckValues, Column: "label", Rows: 1, Objects: 1, Example: "a.parquet:333:7"},
			}
			if tc.unique {
				want = append(want, failure{Check: CheckUnique, Column: "id", Rows: 1, Objects: 1, Example: "a.parquet:700:5, as in row 5"})
			}
			if diff := cmp.Diff(want, failures(res), sortFailures); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
			if res.Rows != n {
				t.Errorf("rows = %d, want %d", res.Rows, n)
			}
			score := res.Column("score").Summary
			if score.Count != n || *score.Min != 0.001 || *score.Max != 1 || *score.Mean != 0.5005 {
				t.Errorf("score: count %d min %v max %v mean %v, want %d, 0.001, 1, 0.5005", score.Count, *score.Min, *score.Max, *score.Mean, n)
			}
		})
	}
}
