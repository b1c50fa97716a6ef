package plan_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/internal/pgtest"
	"github.com/mltf/mltf/state/encryption"
	"github.com/mltf/mltf/state/store"
)

// benchStates are the state stores BenchmarkEngineState compares.
var benchStates = []struct {
	name string
	open func(b *testing.B, dir string) *store.Store
}{
	{"file", func(b *testing.B, dir string) *store.Store { return openBenchStore(b, "file://.mltf/state", dir) }},
	{"file-encrypted", func(b *testing.B, dir string) *store.Store {
		return openBenchStore(b, "file://.mltf/state", dir, store.WithEncryption(benchEncryption(b)))
	}},
	{"postgres", func(b *testing.B, dir string) *store.Store {
		return openBenchStore(b, pgtest.ServerURL(b)+"&schema=bench_"+fmt.Sprintf("%x", sha256.Sum224([]byte(dir)))[:16], dir)
	}},
}

// cpuTime is the CPU time this process has used. On a shared machine
// wall-clock times swing with the load; CPU time much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func openBenchStore(b *testing.B, url, dir string, opts ...store.Option) *store.Store {
	st, err := store.Open(context.Background(), url, dir, opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// benchEncryption is a pbkdf2 key with its default parameters (600,000
// iterations of SHA-512) and aes_gcm. Its key is derived before it is
// returned: that cost, once per process, is BenchmarkPBKDF2's in
// state/encryption.
func benchEncryption(b *testing.B) *encryption.Target {
	f, diags := hclparse.NewParser().ParseHCL([]byte(`
key_provider "pbkdf2" "main" { passphrase = var.passphrase }
method "aes_gcm" "main" { keys = key_provider.pbkdf2.main }
state { method = method.aes_gcm.main }
`), "main.mltf.hcl")
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	cfg, diags := encryption.Decode(f.Body, f.Body.MissingItemRange(), map[string]cty.Value{"passphrase": cty.StringVal("a benchmark passphrase")})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	t := cfg.Target("state")
	if _, err := t.Encrypt(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkEngineState measures apply and a no-change plan (in-process
// registry provider, as BenchmarkEngine) with the state on each store: the
// cost of encryption and of the store.
func BenchmarkEngineState(b *testing.B) {
	for _, n := range benchSizes() {
		cfg := loadBench(b, n)
		for _, kind := range benchStates {
			b.Run(fmt.Sprintf("n=%d/%s", n, kind.name), func(bn *testing.B) {
				newEnv := func() *benchEnv {
					env := newBenchEnv(bn, false)
					env.store = kind.open(bn, env.dir)
					return env
				}
				env := newEnv()
				bn.Run("apply", func(b *testing.B) {
					var cpu time.Duration
					for i := 0; i < b.N; i++ {
						b.StopTimer()
						env = newEnv()
						cs, provs := env.plan(b, cfg, "a")
						b.StartTimer()
						c0 := cpuTime()
						env.apply(b, cs, provs)
						cpu += cpuTime() - c0
						provs.Close()
					}
					b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
				})
				bn.Run("plan-nochange", func(b *testing.B) {
					c0 := cpuTime()
					defer func() { b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op") }()
					for i := 0; i < b.N; i++ {
						cs, provs := env.plan(b, cfg, "a")
						provs.Close()
						if cs.HasChanges() {
							b.Fatal("changes in a no-change plan")
						}
					}
				})
			})
		}
	}
}
