package providertest

import (
	"context"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
)

// Cases describe what to drive a provider through.
type Cases struct {
	// Config is the provider "NAME" {} block's value; cty.NilVal
	// configures the provider with null.
	Config cty.Value
	// Settings returns the project settings for Configure; nil gives a
	// fresh temporary working directory for each provider.
	Settings func(t *testing.T) providers.Settings
	// Resources are applied, read, updated, imported and destroyed.
	Resources []Case
	// Cancel are configurations whose apply runs until cancelled (a long
	// boot, a training run): the suite cancels them, by context and by
	// Stop, and expects the apply to return promptly.
	Cancel []Case
	// CancelWithin bounds how long a cancelled apply may take to return;
	// zero means 10 seconds.
	CancelWithin time.Duration
}

// Case is one resource instance.
type Case struct {
	Name    string
	Kind    string
	Address string // default KIND.NAME
	Config  cty.Value
	// Update, when not cty.NilVal, is a second configuration applied over
	// the first, in place or by replacement as the provider plans.
	Update cty.Value
	// ImportID returns the id under which Import finds the applied object;
	// nil skips the import round trip.
	ImportID func(state cty.Value) string
}

func (c Case) address() string {
	if c.Address != "" {
		return c.Address
	}
	return c.Kind + "." + c.Name
}

// Run runs the suite. newProvider returns a fresh provider for each
// subtest; the suite configures it and closes it.
func Run(t *testing.T, newProvider func(t *testing.T) providers.Interface, cases Cases) {
	t.Helper()
	start := func(t *testing.T) providers.Interface {
		p := newProvider(t)
		t.Cleanup(func() { _ = p.Close() })
		settings := providers.Settings{WorkDir: t.TempDir(), Workspace: "default"}
		if cases.Settings != nil {
			settings = cases.Settings(t)
		}
		cfg := cases.Config
		r := p.Configure(context.Background(), providers.ConfigureRequest{Config: cfg, Settings: settings})
		requireNoErrors(t, "Configure", r.Diagnostics)
		return p
	}
	t.Run("schema", func(t *testing.T) {
		p := newProvider(t)
		t.Cleanup(func() { _ = p.Close() })
		testSchema(t, p, cases)
	})
	for _, c := range cases.Resources {
		t.Run("resource/"+c.Name, func(t *testing.T) { testResource(t, start(t), c) })
	}
	within := cases.CancelWithin
	if within == 0 {
		within = 10 * time.Second
	}
	for _, c := range cases.Cancel {
		t.Run("cancel/"+c.Name, func(t *testing.T) { testCancel(t, start(t), c, within, false) })
		t.Run("stop/"+c.Name, func(t *testing.T) { testCancel(t, start(t), c, within, true) })
	}
}

func requireNoErrors(t *testing.T, call string, diags providers.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == providers.Error {
			t.Fatalf("%s: %s: %s", call, d.Summary, d.Detail)
		}
	}
}
