package views

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDriftTable(t *testing.T) {
	var b strings.Builder
	driftTable(&b, map[string]any{
		"baseline_version": 1.0, "verdict": "drift",
		"columns": map[string]any{
			"label": map[string]any{"psi": 0.24123, "threshold": 0.1, "verdict": "drift"},
			"p0":    map[string]any{"psi": 0.0012, "threshold": 0.2, "verdict": "ok"},
		},
	})
	want := `
Drift against version 1: drift
  COLUMN  PSI     THRESHOLD  VERDICT
  label   0.2412  0.1        drift
  p0      0.0012  0.2        ok
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("drift table (-want +got):\n%s", diff)
	}
}

func TestBytesText(t *testing.T) {
	for in, want := range map[float64]string{950: "950 B", 12_345: "12.3 kB", 2_100_000_000: "2.1 GB"} {
		if got := bytesText(in); got != want {
			t.Errorf("bytesText(%v) = %q, want %q", in, got, want)
		}
	}
}
