package fingerprint

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mltf/mltf/providers/data/source"
)

var (
	benchObjects = flag.Int("objects", 100_000, "objects in the fingerprint benchmark's prefix")
	benchDir     = flag.String("objects-dir", "", "keep the benchmark's objects in this directory (reused when it exists)")
)

// BenchmarkList lists a prefix of small objects on file:// (-objects,
// default 100,000). "first" is a first plan: every object is read for its
// content hash. "replan" passes the previous listing, as a second plan does.
func BenchmarkList(b *testing.B) {
	dir := *benchDir
	if dir == "" {
		dir = b.TempDir()
	}
	prefix := filepath.Join(dir, fmt.Sprintf("objects-%d", *benchObjects))
	if _, err := os.Stat(prefix); err != nil {
		if err := os.MkdirAll(prefix, 0o755); err != nil {
			b.Fatal(err)
		}
		for i := range *benchObjects {
			name := filepath.Join(prefix, fmt.Sprintf("part-%07d.csv", i))
			if err := os.WriteFile(name, fmt.Appendf(nil, "id,value\n%d,%d\n", i, i*7), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	loc, err := source.Resolve(prefix, "/")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	src, err := loc.Open(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	prev, err := List(ctx, src, Options{}) // warms the page cache
	if err != nil {
		b.Fatal(err)
	}
	if len(prev.Objects) != *benchObjects {
		b.Fatalf("listed %d objects, want %d", len(prev.Objects), *benchObjects)
	}
	for _, bc := range []struct {
		name string
		prev *Listing
	}{{"first", nil}, {"replan", prev}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := List(ctx, src, Options{Previous: bc.prev}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/listing")
			b.ReportMetric(float64(*benchObjects), "objects")
		})
	}
}
