package format

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// largeConfig repeats the basic golden input n times, so that it has about
// 25n lines.
func largeConfig(b *testing.B, n int) []byte {
	b.Helper()
	src, err := os.ReadFile("testdata/source/basic.before.hcl")
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Repeat(src, n)
}

// BenchmarkSource formats a 2,500-line configuration; it reports lines/s.
func BenchmarkSource(b *testing.B) {
	src := largeConfig(b, 100)
	lines := bytes.Count(src, []byte("\n"))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, diags := Source(src, "big.mltf.hcl"); diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkUnifiedDiffRewrite diffs a 10,000-line file against a version
// where every line changed, the worst case for the edit search (D = 20,000).
func BenchmarkUnifiedDiffRewrite(b *testing.B) {
	var old, new strings.Builder
	for i := range 10000 {
		old.WriteString("a" + strings.Repeat("x", i%7) + "\n")
		new.WriteString("b" + strings.Repeat("x", i%7) + "\n")
	}
	o, n := []byte(old.String()), []byte(new.String())
	b.ReportAllocs()
	for b.Loop() {
		if UnifiedDiff("old", "new", o, n) == "" {
			b.Fatal("no diff")
		}
	}
}

// BenchmarkUnifiedDiffFormat diffs the 2,500-line configuration against its
// formatted form, what mltf fmt -diff does.
func BenchmarkUnifiedDiffFormat(b *testing.B) {
	src := largeConfig(b, 100)
	out, diags := Source(src, "big.mltf.hcl")
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	b.ReportAllocs()
	for b.Loop() {
		UnifiedDiff("old", "new", src, out)
	}
}
