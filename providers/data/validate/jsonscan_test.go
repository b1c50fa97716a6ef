package validate

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScanObject(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    map[string]string // key: raw value
		wantErr string
	}{
		{name: "flat", line: `{"id": 1, "name": "a", "ok": true, "x": null, "f": -0.5e-3}`,
			want: map[string]string{"id": "1", "name": `"a"`, "ok": "true", "x": "null", "f": "-0.5e-3"}},
		{name: "no spaces", line: `{"a":1,"b":"2"}`, want: map[string]string{"a": "1", "b": `"2"`}},
		{name: "white space everywhere", line: " \t{ \"a\" :\t1 , \"b\" : [ ] }\r ", want: map[string]string{"a": "1", "b": "[ ]"}},
		{name: "empty object", line: `{}`, want: map[string]string{}},
		{name: "escaped key", line: `{"a\"b\u00e9\n": 1}`, want: map[string]string{"a\"bé\n": "1"}},
		{name: "escapes and unicode in values", line: `{"s": "tab\there \"q\" \\ \/ \ud83d\ude00 é"}`,
			want: map[string]string{"s": `"tab\there \"q\" \\ \/ \ud83d\ude00 é"`}},
		{name: "nested values", line: `{"o": {"a": [1, {"b": "}"}]}, "l": [[], "]"], "n": 2}`,
			want: map[string]string{"o": `{"a": [1, {"b": "}"}]}`, "l": `[[], "]"]`, "n": "2"}},

		{name: "empty line", line: ``, wantErr: "the line is empty, at column 1"},
		{name: "array", line: `[1, 2]`, wantErr: "the line holds a JSON array, not an object"},
		{name: "string", line: `"a"`, wantErr: "the line holds a JSON string, not an object"},
		{name: "null", line: `null`, wantErr: "the line holds a JSON null, not an object"},
		{name: "not JSON", line: `id=1`, wantErr: `invalid character 'i' looking for the beginning of an object, at column 1`},
		{name: "unclosed object", line: `{"a": 1`, wantErr: "the line ends inside the object, at column 8"},
		{name: "unclosed string", line: `{"a": "x}`, wantErr: "the line ends inside a string, at column 10"},
		{name: "key without value", line: `{"a"}`, wantErr: `invalid character '}' after a key, at column 5`},
		{name: "missing value", line: `{"a": }`, wantErr: `invalid character '}' looking for the beginning of a value, at column 7`},
		{name: "missing comma", line: `{"a": 1 "b": 2}`, wantErr: `invalid character '"' after a value, at column 9`},
		{name: "trailing comma", line: `{"a": 1,}`, wantErr: `invalid character '}' looking for the beginning of a key, at column 9`},
		{name: "unquoted key", line: `{a: 1}`, wantErr: `invalid character 'a' looking for the beginning of a key, at column 2`},
		{name: "text after the object", line: `{"a": 1} x`, wantErr: `invalid character 'x' after the object, at column 10`},
		{name: "two objects", line: `{"a": 1}{"a": 2}`, wantErr: `invalid character '{' after the object, at column 9`},
		{name: "leading zero", line: `{"a": 01}`, wantErr: `invalid number "01", at column 7`},
		{name: "plus sign", line: `{"a": +1}`, wantErr: `invalid character '+' looking for the beginning of a value, at column 7`},
		{name: "bare dot", line: `{"a": 1.}`, wantErr: `invalid number "1.", at column 7`},
		{name: "bad exponent", line: `{"a": 1e}`, wantErr: `invalid number "1e", at column 7`},
		{name: "word", line: `{"a": tru}`, wantErr: `invalid character 't' looking for the beginning of a value, at column 7`},
		{name: "word run on", line: `{"a": nullx}`, wantErr: `invalid character 'n' looking for the beginning of a value, at column 7`},
		{name: "bad escape", line: `{"a": "\x"}`, wantErr: `invalid escape "\\x" in a string, at column 8`},
		{name: "short unicode escape", line: `{"a": "\u12"}`, wantErr: `invalid \u escape in a string (four hex digits follow \u), at column 8`},
		{name: "control character", line: "{\"a\": \"x\ty\"}", wantErr: `invalid character '\t' in a string (control characters must be escaped), at column 9`},
		{name: "bad nested value", line: `{"a": [1,]}`, wantErr: "invalid nested value, at column 7"},
		{name: "mismatched nested value", line: `{"a": [1, 2}`, wantErr: "invalid nested value, at column 7"},
		{name: "unclosed nested value", line: `{"a": [1, [2]`, wantErr: "the line ends inside a nested value, at column 14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var keyBuf []byte
			ms, err := scanObject([]byte(tt.line), nil, &keyBuf)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				if json.Valid([]byte(tt.line)) && tt.line[0] == '{' {
					t.Errorf("encoding/json reads %s", tt.line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, m := range ms {
				got[string(m.key)] = string(m.raw)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			// What encoding/json reads of the line is what the scan found.
			var std map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.line), &std); err != nil {
				t.Fatal(err)
			}
			stdGot := map[string]string{}
			for k, v := range std {
				stdGot[k] = string(v)
			}
			if diff := cmp.Diff(stdGot, got); diff != "" {
				t.Errorf("members (-encoding/json +scan):\n%s", diff)
			}
		})
	}
}

func TestJSONString(t *testing.T) {
	for raw, want := range map[string]string{
		`""`:                   "",
		`"plain"`:              "plain",
		`"é ü 日本"`:             "é ü 日本",
		`"a\"b\\c\/d"`:         `a"b\c/d`,
		`"\t\n\r\b\f"`:         "\t\n\r\b\f",
		`"\u00e9\u65e5"`:       "é日",
		`"\ud83d\ude00 smile"`: "😀 smile",
	} {
		if got := jsonString([]byte(raw)); got != want {
			t.Errorf("jsonString(%s) = %q, want %q", raw, got, want)
		}
	}
}

// TestJSONLEdgeCases validates lines with escapes, unicode, nested values,
// missing and repeated keys, and bad lines, whose failures name their
// line.
func TestJSONLEdgeCases(t *testing.T) {
	data := `{"id": 1, "name": "caf\u00e9", "score": 0.5, "meta": {"tags": ["a", "b"]}}
{"name": "日本", "id": 2, "score": 1e-1}
{"id": 3, "name": "tab\there \"quoted\"", "meta": [1, 2]}
{"id": 4, "name": "x", "score": "0.5"}
{"id": 5, "name": {"first": "a"}}
{"id": 6, "name": "y", "id": 7}
{"id": 8, "name": "z", "score": 01}
{"id": 9, "name": "w"
{"id": 10, "name": "\q"}
{"id": 11, "name": "v", "score": 2} trailing
{"\u0069d": 12, "name": "u"}
`
	c := &Contract{Format: JSONL, Schema: true, AllowExtra: true, Columns: []Column{
		{Name: "id", Type: Int64, Unique: true},
		{Name: "name", Type: String, Regex: `^[^{]`},
		{Name: "score", Type: Float64, Nullable: true, Max: f64(1)},
	}}
	res := validateFiles(t, map[string][]byte{"a.jsonl": []byte(data)}, c)
	var got []string
	for _, f := range res.Failures {
		got = append(got, fmt.Sprintf("%s %s: %d rows", f.Check, f.Column, f.Rows))
		for _, e := range f.Examples {
			got = append(got, fmt.Sprintf("%s %s %s:%d: %s", f.Check, f.Column, e.Object, e.Line, e.Value))
		}
	}
	want := []string{
		`read : 4 rows`, // the examples are the first three
		`read  a.jsonl:7: not a JSON object: invalid number "01", at column 33`,
		`read  a.jsonl:8: not a JSON object: the line ends inside the object, at column 22`,
		`read  a.jsonl:9: not a JSON object: invalid escape "\\q" in a string, at column 21`,
		`type name: 1 rows`,
		`type name a.jsonl:5: "{\"first\": \"a\"}"`,
		`type score: 1 rows`,
		`type score a.jsonl:4: "\"0.5\""`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if res.Rows != 11 {
		t.Errorf("rows = %d, want 11", res.Rows)
	}
	// The repeated id of line 6 takes its last value, 7; the escaped key
	// of line 11 is id.
	id := res.Column("id").Summary
	if id.Count != 7 || *id.Max != 12 || *id.Min != 1 {
		t.Errorf("id: count %d min %v max %v, want 7 values from 1 to 12", id.Count, *id.Min, *id.Max)
	}
	name := res.Column("name").Summary
	if diff := cmp.Diff(`[{café 1} {tab	here "quoted" 1} {u 1} {x 1} {y 1} {日本 1}]`, fmtTop(name.Top)); diff != "" {
		t.Errorf("name top (-want +got):\n%s", diff)
	}
	// Missing keys are nulls; the nested values of the undeclared meta
	// are its text.
	if score := res.Column("score").Summary; score.Count != 2 || score.Nulls != 4 {
		t.Errorf("score: count %d nulls %d, want 2 and 4", score.Count, score.Nulls)
	}
	meta := res.Column("meta").Summary
	if diff := cmp.Diff(`[{[1, 2] 1} {{"tags": ["a", "b"]} 1}]`, fmtTop(meta.Top)); diff != "" {
		t.Errorf("meta top (-want +got):\n%s", diff)
	}
}
