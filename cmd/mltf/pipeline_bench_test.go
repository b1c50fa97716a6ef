//go:build linux

package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mltf/mltf/internal/e2e"
)

// chainPipeline is a pipeline of n steps one after the other, each
// running /bin/true (a process of about a millisecond) and reading the
// previous step's input file; var.round enters every step's key, so each
// apply with a new round runs every step.
func chainPipeline(n int) string {
	var b strings.Builder
	b.WriteString("variable \"round\" {\n  default = \"0\"\n}\ncluster \"dev\" {\n  pool \"cpu\" { slots = 1 }\n}\npipeline \"chain\" {\n  pool = cluster.dev.pool.cpu\n  parallel = 1\n")
	for i := 0; i < n; i++ {
		in := `{ seed = "seed.txt" }`
		if i > 0 {
			in = fmt.Sprintf(`{ seed = "seed.txt", after = "s%03d.txt" }`, i-1)
		}
		fmt.Fprintf(&b, "  step \"s%03d\" {\n    code    = \"./src\"\n    command = [\"/bin/true\"]\n    env     = { ROUND = var.round }\n    inputs  = %s\n  }\n", i, in)
	}
	b.WriteString("}\n")
	return b.String()
}

// BenchmarkPipelineStepOverhead measures what mltf adds to each step run
// locally beyond the step's own process: it applies a chain of 1 and of 21
// /bin/true steps (every step runs) and reports the difference per step,
// which leaves out mltf's start, planning and the state's save.
func BenchmarkPipelineStepOverhead(b *testing.B) {
	apply := func(n int) time.Duration {
		dir := b.TempDir()
		os.MkdirAll(filepath.Join(dir, "src"), 0o755)
		os.WriteFile(filepath.Join(dir, "src", "README"), []byte("steps run /bin/true\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "seed.txt"), []byte("1\n"), 0o644)
		for i := 0; i < n; i++ {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("s%03d.txt", i)), []byte("1\n"), 0o644)
		}
		os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(chainPipeline(n)), 0o644)
		e2e.Must(b, dir, 0, "init")
		e2e.Must(b, dir, 0, "apply", "-auto-approve", "-var", "round=warm")
		start := time.Now()
		for i := 0; i < b.N; i++ {
			e2e.Must(b, dir, 0, "apply", "-auto-approve", "-var", fmt.Sprintf("round=%d", i))
		}
		return time.Since(start) / time.Duration(b.N)
	}
	one := apply(1)
	many := apply(21)
	b.ReportMetric(float64((many-one)/20)/1e6, "ms/step")
	b.ReportMetric(float64(one)/1e6, "ms/apply-of-1-step")
}
