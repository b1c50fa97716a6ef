package validate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStringChecks checks a string column with values and a regex on
// values that the column remembers (short ones, while it has room) and on
// values it does not (longer than 16 bytes, or past its first 1,024): the
// failures and the counts must be the same for both.
func TestStringChecks(t *testing.T) {
	counts := map[string]int{
		"AA": 3000, "BB": 200, // allowed
		"ZZ":                     50, // matches the regex, not allowed
		"z":                      30, // neither
		"ABCDEFGHIJKLMNOPQ":      20, // 17 bytes: not remembered
		"ABCDEFGHIJKLMNOP":       10, // 16 bytes
		strings.Repeat("Q", 100): 5,
	}
	var b strings.Builder
	b.WriteString("code\n")
	total, regexFails, valueFails := 0, 0, 0
	for i := range 3000 {
		for v, n := range counts {
			if i < n {
				b.WriteString(v + "\n")
				total++
				if v != "AA" && v != "BB" {
					valueFails++
				}
				if len(v) != 2 || v == "z" {
					regexFails++
				}
			}
		}
	}
	// Values seen once each, 1,100 of them: the column remembers the
	// first ones only.
	for i := range 1100 {
		fmt.Fprintf(&b, "x%d\n", i)
		total++
		valueFails++
		regexFails++
	}
	c := &Contract{Format: CSV, Schema: true, Columns: []Column{{Name: "code", Type: String, Values: []string{"AA", "BB"}, Regex: `^[A-Z]{2}$`}}}
	res := validateFiles(t, map[string][]byte{"a.csv": []byte(b.String())}, c)
	if res.Rows != int64(total) {
		t.Fatalf("rows %d, want %d", res.Rows, total)
	}
	got := map[Check]int64{}
	for _, f := range res.Failures {
		got[f.Check] = f.Rows
	}
	if diff := cmp.Diff(map[Check]int64{CheckValues: int64(valueFails), CheckRegex: int64(regexFails)}, got); diff != "" {
		t.Errorf("failed rows by check (-want +got):\n%s", diff)
	}
	col := res.Columns[0]
	for v, n := range counts {
		// The values seen once push the others' counts down by at most
		// total/1024 once the top values are approximate.
		if c := col.Count(v); c > int64(n) || c < int64(n)-int64(total/1024)-1 {
			t.Errorf("count of %q: %d, want %d", v, c, n)
		}
	}
	if col.Count("AA") != 3000 || col.Count("BB") != 200 {
		t.Errorf("allowed values counted %d and %d, want 3000 and 200", col.Count("AA"), col.Count("BB"))
	}
}

// TestShortVals fills the table past its capacity: every value it took is
// found again with its own result, and it refuses values once full.
func TestShortVals(t *testing.T) {
	var sv shortVals
	fill := func(v *shortVal) { v.known = int32(len(v.s)) }
	for i := range maxShortVals + 10 {
		s := fmt.Sprintf("v%d", i)
		v := sv.get(s, fill)
		if (v == nil) != (i >= maxShortVals) {
			t.Fatalf("get(%q) = %v at %d values", s, v, i)
		}
	}
	for i := range maxShortVals {
		s := fmt.Sprintf("v%d", i)
		if v := sv.get(s, nil); v == nil || v.s != s || v.known != int32(len(s)) {
			t.Fatalf("get(%q) again = %+v", s, v)
		}
	}
	if v := sv.get("v1\x00", fill); v != nil {
		t.Errorf("a value that differs by a trailing zero byte was found, or added past capacity: %+v", v)
	}
	if v := sv.get(strings.Repeat("x", 17), fill); v != nil {
		t.Errorf("a 17-byte value was taken: %+v", v)
	}
}
