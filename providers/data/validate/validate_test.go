package validate

import (
	"compress/gzip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var digitValues = []string{"0", "1", "2"}

func csvContract() *Contract {
	return &Contract{
		Format: CSV,
		Schema: true,
		Columns: []Column{
			{Name: "id", Type: Int64, Unique: true},
			{Name: "label", Type: Int64, Values: digitValues},
			{Name: "score", Type: Float64, Nullable: true, Min: f64(0), Max: f64(1)},
			{Name: "name", Type: String, Regex: `^[a-z]+$`},
			{Name: "flag", Type: Bool, Nullable: true},
			{Name: "ts", Type: Timestamp, Nullable: true},
		},
	}
}

const goodCSV = `id,label,score,name,flag,ts
1,0,0.5,alice,true,2024-01-01T00:00:00Z
2,1,0.25,bob,false,2024-01-02
3,2,,carol,true,2024-01-03 10:00:00
`

// replaceLine replaces line n (1-based) of s.
func replaceLine(s string, n int, line string) string {
	ls := strings.Split(s, "\n")
	ls[n-1] = line
	return strings.Join(ls, "\n")
}

func TestCSV(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		change func(c *Contract)
		want   []failure
	}{
		{name: "good", files: map[string]string{"a.csv": goodCSV}},
		{
			name:  "wrong type",
			files: map[string]string{"a.csv": replaceLine(goodCSV, 3, "2,one,0.25,bob,false,2024-01-02")},
			want:  []failure{{Check: CheckType, Column: "label", Rows: 1, Objects: 1, Example: `a.csv:3:"one"`}},
		},
		{
			name:  "bad timestamp",
			files: map[string]string{"a.csv": replaceLine(goodCSV, 3, "2,1,0.25,bob,false,2024-02-30")},
			want:  []failure{{Check: CheckType, Column: "ts", Rows: 1, Objects: 1, Example: `a.csv:3:"2024-02-30"`}},
		},
		{
			name:  "null where not allowed",
			files: map[string]string{"a.csv": replaceLine(goodCSV, 2, "1,0,0.5,,true,")},
			want:  []failure{{Check: CheckNullable, Column: "name", Rows: 1, Objects: 1, Example: `a.csv:2:null`}},
		},
		{
			name:  "out of range",
			files: map[string]string{"a.csv": replaceLine(replaceLine(goodCSV, 2, "1,0,1.5,alice,true,"), 3, "2,1,-0.25,bob,false,")},
			want: []failure{
				{Check: CheckMin, Column: "score", Rows: 1, Objects: 1, Example: `a.csv:3:-0.25`},
				{Check: CheckMax, Column: "score", Rows: 1, Objects: 1, Example: `a.csv:2:1.5`},
			},
		},
		{
			name:  "unknown category",
			files: map[string]string{"a.csv": replaceLine(goodCSV, 4, "3,7,,carol,true,")},
			want:  []failure{{Check: CheckValues, Column: "label", Rows: 1, Objects: 1, Example: `a.csv:4:7`}},
		},
		{
			name:  "regex",
			files: map[string]string{"a.csv": replaceLine(goodCSV, 4, "3,2,,Carol,true,")},
			want:  []failure{{Check: CheckRegex, Column: "name", Rows: 1, Objects: 1, Example: `a.csv:4:"Carol"`}},
		},
		{
			name:  "unique",
			files: map[string]string{"a.csv": replaceLine(goodCSV, 4, "1,2,,carol,true,")},
			want:  []failure{{Check: CheckUnique, Column: "id", Rows: 1, Objects: 1, Example: `a.csv:4:1, as in line 2`}},
		},
		{
			name:  "unique across objects",
			files: map[string]string{"a.csv": goodCSV, "b.csv": goodCSV},
			want:  []failure{{Check: CheckUnique, Column: "id", Rows: 3, Objects: 1, Example: `b.csv:2:1, as in a.csv line 2`}},
		},
		{
			name:  "missing column",
			files: map[string]string{"a.csv": "id,label,score,name,flag\n1,0,0.5,alice,true\n"},
			want:  []failure{{Check: CheckMissingColumn, Column: "ts", Objects: 1, Example: `a.csv:0:has no column "ts"`}},
		},
		{
			name:  "extra column",
			files: map[string]string{"a.csv": "id,label,score,name,flag,ts,extra\n1,0,0.5,alice,true,,x\n"},
			want:  []failure{{Check: CheckExtraColumn, Column: "extra", Objects: 1, Example: `a.csv:0:has the column "extra", which the schema does not declare`}},
		},
		{
			name:   "extra column allowed",
			files:  map[string]string{"a.csv": "id,label,score,name,flag,ts,extra\n1,0,0.5,alice,true,,x\n"},
			change: func(c *Contract) { c.AllowExtra = true },
		},
		{
			name:  "empty file",
			files: map[string]string{"a.csv": goodCSV, "b.csv": ""},
			want:  []failure{{Check: CheckEmpty, Objects: 1, Example: `b.csv:0:is empty (0 bytes)`}},
		},
		{
			name:  "header only",
			files: map[string]string{"a.csv": "id,label,score,name,flag,ts\n"},
			want:  []failure{{Check: CheckRowCount}},
		},
		{
			name:  "malformed quoting",
			files: map[string]string{"a.csv": replaceLine(goodCSV, 3, `2,1,0.25,"bob,false,2024-01-02`) + "4,1,,dan,true,\n"},
			want: []failure{{Check: CheckRead, Rows: 1, Objects: 1,
				Example: `a.csv:3:is not valid CSV: the row that starts at line 3 runs to line 5, column 16: extraneous or missing " in quoted-field; a field that contains quotes must be quoted as a whole, with inner quotes doubled ("a ""b"" c")`}},
		},
		{
			name:  "bare quote",
			files: map[string]string{"a.csv": replaceLine(goodCSV, 3, `2,1,0.25,b"ob,false,2024-01-02`)},
			want: []failure{{Check: CheckRead, Rows: 1, Objects: 1,
				Example: `a.csv:3:is not valid CSV at line 3, column 11: bare " in non-quoted-field; a field that contains quotes must be quoted as a whole, with inner quotes doubled ("a ""b"" c")`}},
		},
		{
			name:  "field count",
			files: map[string]string{"a.csv": replaceLine(goodCSV, 3, "2,1,0.25,bob")},
			want:  []failure{{Check: CheckFields, Rows: 1, Objects: 1, Example: `a.csv:3:4 fields, the header has 6`}},
		},
		{
			name:  "no header and delimiter",
			files: map[string]string{"a.csv": "1;x\n2;y\n"},
			change: func(c *Contract) {
				c.NoHeader, c.Delimiter, c.Columns = true, ';', []Column{{Name: "1", Type: Int64}, {Name: "2", Type: String}}
			},
		},
		{
			name:   "max null fraction",
			files:  map[string]string{"a.csv": goodCSV},
			change: func(c *Contract) { c.MaxNullFraction = f64(0.2) },
			want: []failure{
				{Check: CheckMaxNullFraction, Column: "score", Rows: 1},
			},
		},
		{
			name:   "row count",
			files:  map[string]string{"a.csv": goodCSV},
			change: func(c *Contract) { c.MinRows = i64(10) },
			want:   []failure{{Check: CheckRowCount}},
		},
		{
			name:  "several objects",
			files: map[string]string{"p=1/a.csv": replaceLine(goodCSV, 2, "1,9,0.5,alice,true,"), "p=2/b.csv": replaceLine(goodCSV, 3, "12,9,0.5,bob,true,")},
			want: []failure{
				{Check: CheckUnique, Column: "id", Rows: 2, Objects: 1, Example: `p=2/b.csv:2:1, as in p=1/a.csv line 2`},
				{Check: CheckValues, Column: "label", Rows: 2, Objects: 2, Example: `p=1/a.csv:2:9`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := csvContract()
			if tt.change != nil {
				tt.change(c)
			}
			files := map[string][]byte{}
			for k, v := range tt.files {
				files[k] = []byte(v)
			}
			res := validateFiles(t, files, c)
			if diff := cmp.Diff(tt.want, failures(res)); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
				for _, f := range res.Failures {
					t.Logf("%+v", f)
				}
			}
		})
	}
}

func TestGzip(t *testing.T) {
	var buf strings.Builder
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(goodCSV))
	zw.Close()
	res := validateFiles(t, map[string][]byte{"a.csv.gz": []byte(buf.String()), "b.csv.gz": []byte(goodCSV)}, csvContract())
	want := []failure{{Check: CheckRead, Objects: 1, Example: "b.csv.gz:0:is not a readable gzip file (its name ends in .gz): gzip: invalid header"}}
	if diff := cmp.Diff(want, failures(res)); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if res.Rows != 3 {
		t.Errorf("rows = %d, want 3", res.Rows)
	}
}
