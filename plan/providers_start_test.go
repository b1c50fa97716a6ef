package plan_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
)

// closeCounter counts Close calls of the provider it wraps.
type closeCounter struct {
	*memProvider
	closed *atomic.Int64
}

func (c closeCounter) Close() error { c.closed.Add(1); return nil }

func TestProvidersStart(t *testing.T) {
	cfg, diags := lang.LoadSources(t.TempDir(), map[string][]byte{"main.mltf.hcl": []byte(`
experiment "a" {}
experiment "b" {}
`)}, lang.BuiltinKinds)
	mustOK(t, diags)
	if diff := cmp.Diff([]string{"registry"}, plan.Needed(cfg)); diff != "" {
		t.Errorf("Needed (-want +got):\n%s", diff)
	}
	if got := plan.Needed(nil); got != nil {
		t.Errorf("Needed(nil) = %v, want nil", got)
	}

	var started, closed atomic.Int64
	prov := closeCounter{newMemProvider(), &closed}
	provs := plan.NewProviders(func(name string) (providers.Interface, error) {
		started.Add(1)
		return prov, nil
	}, providers.Settings{})
	provs.Start(context.Background(), plan.Needed(cfg))
	provs.Start(context.Background(), plan.Needed(cfg))
	iface, sch, diags := provs.Schema(context.Background(), "registry")
	mustOK(t, diags)
	if iface != providers.Interface(prov) || sch.Kinds["experiment"].Block == nil {
		t.Errorf("Schema after Start = %v, %v; want the started provider and its schema", iface, sch.Kinds)
	}
	if err := provs.Close(); err != nil {
		t.Fatal(err)
	}
	if started.Load() != 1 || closed.Load() != 1 {
		t.Errorf("started %d and closed %d times, want once each", started.Load(), closed.Load())
	}

	// Close waits for a start still under way, and closes what it started.
	started.Store(0)
	closed.Store(0)
	provs = plan.NewProviders(func(name string) (providers.Interface, error) {
		started.Add(1)
		return prov, nil
	}, providers.Settings{})
	provs.Start(context.Background(), []string{"registry"})
	if err := provs.Close(); err != nil {
		t.Fatal(err)
	}
	if started.Load() != 1 || closed.Load() != 1 {
		t.Errorf("started %d and closed %d times, want once each", started.Load(), closed.Load())
	}
}
