package validate

import (
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	good := map[string]string{
		"2024-05-01":                      "2024-05-01T00:00:00Z",
		"2024-02-29T23:59:59Z":            "2024-02-29T23:59:59Z",
		"2024-05-01 12:30:00":             "2024-05-01T12:30:00Z",
		"2024-05-01T12:30:00.123456789Z":  "2024-05-01T12:30:00.123456789Z",
		"2024-05-01T12:30:00.5+02:00":     "2024-05-01T10:30:00.5Z",
		"1969-12-31T23:59:59-01:00":       "1970-01-01T00:59:59Z",
		"1900-03-01":                      "1900-03-01T00:00:00Z",
		"0001-01-01":                      "0001-01-01T00:00:00Z",
		"2000-01-01T00:00:00.1234567891Z": "2000-01-01T00:00:00.123456789Z",
	}
	for in, want := range good {
		ns, ok := parseTimestamp(in)
		w, _ := time.Parse(time.RFC3339Nano, want)
		if !ok || ns != w.UnixNano() && in != "0001-01-01" {
			t.Errorf("parseTimestamp(%q) = %v, %v; want %s", in, time.Unix(0, ns).UTC(), ok, want)
		}
	}
	for _, in := range []string{"", "2024", "2024-13-01", "2023-02-29", "2024-05-01T25:00:00", "2024-05-01T12:30", "2024-05-01T12:30:00+2", "2024-05-01T12:30:00.Z", "05/01/2024", "2024-05-01Tx"} {
		if _, ok := parseTimestamp(in); ok {
			t.Errorf("parseTimestamp(%q) accepted", in)
		}
	}
}

// TestDayMemo reads timestamps one after another through one memo, as a
// column does: a remembered date must not let a bad timestamp through, nor
// give another date's day.
func TestDayMemo(t *testing.T) {
	var m dayMemo
	for _, in := range []string{
		"2024-05-01T12:30:00Z", "2024-05-01T23:59:59Z", "2024-05-01", "2024-05-01T25:00:00Z",
		"2024-05-01x", "2024-05-02T00:00:00Z", "2023-02-29", "2023-02-28T01:00:00+01:00", "2023-02-29",
		"2024-05-01T12:30:00.5-02:00", "2024-05-01T12:30", "1969-12-31T23:59:59Z",
	} {
		ns, ok := m.parse(in)
		wantNS, wantOK := parseTimestamp(in)
		if ns != wantNS || ok != wantOK {
			t.Errorf("through the memo %q = %d, %v; alone %d, %v", in, ns, ok, wantNS, wantOK)
		}
	}
}
