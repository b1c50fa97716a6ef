package funcs

import (
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

func TestTimeCmp(t *testing.T) {
	runCases(t, filesDir, []evalCase{
		{name: "earlier", expr: `timecmp("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")`, want: cty.NumberIntVal(-1)},
		{name: "same instant, other zone", expr: `timecmp("2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00Z")`, want: cty.NumberIntVal(0)},
		{name: "later", expr: `timecmp("2025-01-01T00:00:00Z", "2024-01-01T00:00:00Z")`, want: cty.NumberIntVal(1)},
		{name: "not a timestamp", expr: `timecmp("yesterday", "2024-01-01T00:00:00Z")`, err: `"yesterday" is not an RFC 3339 timestamp`},
	})
}

func TestTimestamp(t *testing.T) {
	before := time.Now().UTC().Truncate(time.Second)
	got, diags := evalExpr(t, filesDir, false, `timestamp()`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	ts, err := time.Parse(time.RFC3339, got.AsString())
	if err != nil {
		t.Fatalf("timestamp() = %q: %v", got.AsString(), err)
	}
	if ts.Before(before) || ts.After(time.Now().Add(time.Second)) || ts.Location() != time.UTC {
		t.Errorf("timestamp() = %s, want the current time in UTC (test started at %s)", ts, before)
	}
}
