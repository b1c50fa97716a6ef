package plan_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin"
	"github.com/mltf/mltf/providers/registry"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// benchConfig generates n experiments in chains of ten, with a fan-in
// every hundred, all using var.tag.
func benchConfig(n int) []byte {
	var b strings.Builder
	b.WriteString("variable \"tag\" {\n  default = \"a\"\n}\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "experiment \"e%d\" {\n  description = \"${var.tag}-%d\"\n", i, i)
		switch {
		case i%100 == 99:
			b.WriteString("  depends_on = [")
			for j := i - 10; j < i; j++ {
				fmt.Fprintf(&b, "experiment.e%d, ", j)
			}
			b.WriteString("]\n")
		case i%10 != 0:
			fmt.Fprintf(&b, "  tags = { parent = experiment.e%d.id }\n", i-1)
		}
		b.WriteString("}\n")
	}
	return []byte(b.String())
}

// benchEnv is one working directory with a file state store and a SQLite
// tracking store.
type benchEnv struct {
	dir     string
	store   *store.Store
	factory plan.Factory
}

func newBenchEnv(b *testing.B, viaPlugin bool) *benchEnv {
	b.Helper()
	dir := b.TempDir()
	st, err := store.Open(context.Background(), "file://.mltf/state", dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	env := &benchEnv{dir: dir, store: st, factory: func(string) (providers.Interface, error) { return registry.New(), nil }}
	if viaPlugin {
		bin := buildMltf(b)
		env.factory = func(name string) (providers.Interface, error) {
			return plugin.Start(context.Background(), name, []string{bin, "internal-provider", name}, "", hclog.NewNullLogger())
		}
	}
	return env
}

var (
	mltfOnce sync.Once
	mltfBin  string
	mltfErr  error
)

// buildMltf builds the mltf binary once; it serves the bundled providers.
func buildMltf(b *testing.B) string {
	b.Helper()
	mltfOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mltf-bench-")
		if err != nil {
			mltfErr = err
			return
		}
		mltfBin = filepath.Join(dir, "mltf")
		cmd := exec.Command("go", "build", "-o", mltfBin, "github.com/mltf/mltf/cmd/mltf")
		cmd.Stderr = os.Stderr
		mltfErr = cmd.Run()
	})
	if mltfErr != nil {
		b.Fatalf("building mltf: %v", mltfErr)
	}
	return mltfBin
}

func (env *benchEnv) providers() *plan.Providers {
	return plan.NewProviders(env.factory, providers.Settings{WorkDir: env.dir, TrackingURL: "sqlite://.mltf/tracking.db"})
}

func (env *benchEnv) plan(b *testing.B, cfg *lang.Config, tag string) (*plan.Changeset, *plan.Providers) {
	prior, err := env.store.Read(context.Background(), "default")
	if err != nil {
		b.Fatal(err)
	}
	vals, diags := lang.VariableValues(cfg, []lang.RawVar{{Name: "tag", Raw: tag, Source: "-var"}})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	provs := env.providers()
	cs, diags := plan.Plan(context.Background(), cfg, prior, provs, plan.Options{Variables: vals, Refresh: true, Parallelism: 10})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	return cs, provs
}

// journalHooks persist like mltf apply does.
type journalHooks struct {
	plan.NoHooks
	j *store.Journal
}

func (h journalHooks) Persist(res *state.Resource, key string, inst *state.Instance) {
	h.j.Record(res.Addr, res.Kind, res.Name, res.Provider, key, inst)
}

func (env *benchEnv) apply(b *testing.B, cs *plan.Changeset, provs *plan.Providers) {
	ctx := context.Background()
	j, err := env.store.Journal(ctx, "default", cs.Prior)
	if err != nil {
		b.Fatal(err)
	}
	st, diags := plan.Apply(ctx, cs, provs, journalHooks{j: j})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	if err := j.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	if err := env.store.Write(ctx, "default", st); err != nil {
		b.Fatal(err)
	}
	_ = j.Close(ctx)
}

func loadBench(b *testing.B, n int) *lang.Config {
	cfg, diags := lang.LoadSources(b.TempDir(), map[string][]byte{"main.mltf.hcl": benchConfig(n)}, lang.BuiltinKinds)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	return cfg
}

func benchSizes() []int {
	if testing.Short() {
		return []int{1000}
	}
	return []int{1000, 10000}
}

// BenchmarkEngine measures plan on empty state, apply, plan with no
// changes and plan after a variable every resource uses changed, with the
// registry provider in-process and through its plugin process.
func BenchmarkEngine(b *testing.B) {
	for _, transport := range []string{"inprocess", "plugin"} {
		for _, n := range benchSizes() {
			cfg := loadBench(b, n)
			b.Run(fmt.Sprintf("%s/n=%d", transport, n), func(bn *testing.B) {
				b := bn
				env := newBenchEnv(bn, transport == "plugin")
				b.Run("plan-empty", func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						cs, provs := env.plan(b, cfg, "a")
						provs.Close()
						if cs.Summary().Add != n {
							b.Fatalf("plan adds %d", cs.Summary().Add)
						}
					}
				})
				b.Run("apply", func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						b.StopTimer()
						env = newBenchEnv(bn, transport == "plugin")
						cs, provs := env.plan(b, cfg, "a")
						b.StartTimer()
						env.apply(b, cs, provs)
						provs.Close()
					}
				})
				b.Run("plan-nochange", func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						cs, provs := env.plan(b, cfg, "a")
						provs.Close()
						if cs.HasChanges() {
							b.Fatal("changes in a no-change plan")
						}
					}
				})
				b.Run("plan-varchange", func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						cs, provs := env.plan(b, cfg, "b")
						provs.Close()
						if cs.Summary().Change != n {
							b.Fatalf("plan changes %d", cs.Summary().Change)
						}
					}
				})
			})
		}
	}
}
