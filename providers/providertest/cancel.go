package providertest

import (
	"context"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
)

// testCancel starts a long apply, cancels it (by its context, or by Stop
// when stop is set) once it reports its first event or after a second,
// and requires it to return within the limit with an error or a state.
func testCancel(t *testing.T, p providers.Interface, c Case, within time.Duration, stop bool) {
	sr := p.GetSchema(context.Background())
	requireNoErrors(t, "GetSchema", sr.Diagnostics)
	k, ok := sr.Kinds[c.Kind]
	if !ok {
		t.Fatalf("the provider has no kind %q", c.Kind)
	}
	ty := k.Block.ImpliedType()
	addr := c.address()
	pr := p.PlanChange(context.Background(), providers.PlanChangeRequest{
		Kind: c.Kind, Address: addr, Prior: cty.NullVal(ty), Config: c.Config, Proposed: c.Config,
	})
	requireNoErrors(t, "PlanChange", pr.Diagnostics)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{}, 1)
	done := make(chan providers.ApplyChangeResponse, 1)
	go func() {
		done <- p.ApplyChange(ctx, providers.ApplyChangeRequest{
			Kind: c.Kind, Address: addr, Prior: cty.NullVal(ty), Planned: pr.Planned,
			PlannedPrivate: pr.PlannedPrivate, Config: c.Config,
			Events: func(providers.Event) {
				select {
				case started <- struct{}{}:
				default:
				}
			},
		})
	}()
	select {
	case <-started:
	case <-time.After(time.Second):
	case r := <-done:
		t.Fatalf("the apply finished before it could be cancelled (diagnostics: %v); give the case a longer-running configuration", r.Diagnostics)
	}
	at := time.Now()
	if stop {
		if err := p.Stop(context.Background()); err != nil {
			t.Fatalf("Stop: %v", err)
		}
	} else {
		cancel()
	}
	select {
	case r := <-done:
		if !r.Diagnostics.HasErrors() {
			t.Errorf("a cancelled apply returned no error diagnostic")
		}
		t.Logf("cancelled apply returned after %v", time.Since(at))
	case <-time.After(within):
		t.Fatalf("the apply did not return within %v of being cancelled", within)
	}

	// The provider still answers after a cancellation.
	vr := p.ValidateConfig(context.Background(), providers.ValidateConfigRequest{Kind: c.Kind, Config: c.Config})
	requireNoErrors(t, "ValidateConfig after cancel", vr.Diagnostics)
}
