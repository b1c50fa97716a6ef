package plan

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// Factory starts the provider of the given name.
type Factory func(name string) (providers.Interface, error)

// Providers starts providers on first use, configures them once, caches
// their schemas, and closes them all at the end. One Providers serves a plan
// and the apply that follows it.
type Providers struct {
	factory  Factory
	settings providers.Settings
	offered  []string

	mu       sync.Mutex
	entries  map[string]*providerEntry
	starting sync.WaitGroup // Start's goroutines
}

type providerEntry struct {
	once   sync.Once
	iface  providers.Interface
	schema providers.GetSchemaResponse
	diags  hcl.Diagnostics

	configureOnce sync.Once
	configDiags   hcl.Diagnostics
}

// NewProviders returns a cache that starts providers with factory and
// configures them with settings.
func NewProviders(factory Factory, settings providers.Settings) *Providers {
	return &Providers{factory: factory, settings: settings, entries: map[string]*providerEntry{}}
}

// Offer records the names of the providers the factory starts without a
// configuration asking for them (mltf's bundled ones), and returns p. A
// provider argument that names none of them, nor one the configuration
// declares, gets the closest of those names as a "did you mean".
func (p *Providers) Offer(names ...string) *Providers {
	p.offered = append(p.offered, names...)
	return p
}

// Settings are the project settings handed to every provider.
func (p *Providers) Settings() providers.Settings { return p.settings }

func (p *Providers) entry(name string) *providerEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[name]
	if !ok {
		e = &providerEntry{}
		p.entries[name] = e
	}
	return e
}

// Schema starts the provider when needed and returns its schema.
func (p *Providers) Schema(ctx context.Context, name string) (providers.Interface, providers.GetSchemaResponse, hcl.Diagnostics) {
	e := p.entry(name)
	e.once.Do(func() {
		iface, err := p.factory(name)
		if err != nil {
			e.diags = hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Cannot start provider %q", name),
				Detail:   err.Error(),
			}}
			return
		}
		e.iface = iface
		e.schema = iface.GetSchema(ctx)
		e.diags = providerDiags(name, "", e.schema.Diagnostics, fixedRange(nil))
	})
	return e.iface, e.schema, e.diags
}

// Start starts the named providers in the background and asks for their
// schemas, so that a plugin's process start and handshake overlap with
// the caller's other work (reading the state); Schema waits for them and
// reports their diagnostics as when it starts a provider itself.
func (p *Providers) Start(ctx context.Context, names []string) {
	for _, name := range names {
		p.starting.Add(1)
		go func() {
			defer p.starting.Done()
			p.Schema(ctx, name)
		}()
	}
}

// Needed names the providers that serve the resources of cfg, sorted.
func Needed(cfg *lang.Config) []string {
	if cfg == nil {
		return nil
	}
	seen := map[string]bool{}
	var names []string
	for _, r := range cfg.Resources {
		if name := resourceProvider(cfg, r); !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// configured returns the provider after Configure has run once, with the
// provider "NAME" {} block of cfg evaluated in the context scope gives
// (asked for only then: every resource calls configured).
func (p *Providers) configured(ctx context.Context, name string, cfg *lang.Config, scope func() *hcl.EvalContext) (providers.Interface, providers.GetSchemaResponse, hcl.Diagnostics) {
	iface, schema, diags := p.Schema(ctx, name)
	if diags.HasErrors() {
		return nil, schema, diags
	}
	e := p.entry(name)
	e.configureOnce.Do(func() {
		config := cty.NullVal(schema.Provider.ImpliedType())
		if pc, ok := cfg.Providers[name]; ok {
			spec := schema.Provider.DecoderSpec()
			v, ds := hcldec.Decode(pc.Config, spec, scope())
			e.configDiags = append(e.configDiags, ds...)
			if ds.HasErrors() {
				return
			}
			config, _ = v.UnmarkDeep()
		}
		resp := iface.Configure(ctx, providers.ConfigureRequest{Config: config, Settings: p.settings})
		var subject *hcl.Range
		if pc, ok := cfg.Providers[name]; ok {
			subject = pc.DeclRange.Ptr()
		}
		e.configDiags = append(e.configDiags, providerDiags(name, "", resp.Diagnostics, fixedRange(subject))...)
	})
	return iface, schema, e.configDiags
}

// Stop asks every started provider to stop its in-flight work.
func (p *Providers) Stop(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.entries {
		if e.iface != nil {
			_ = e.iface.Stop(ctx)
		}
	}
}

// Close closes every started provider, once those that Start started
// have answered.
func (p *Providers) Close() error {
	p.starting.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	var first error
	for name, e := range p.entries {
		if e.iface != nil {
			if err := e.iface.Close(); err != nil && first == nil {
				first = fmt.Errorf("closing provider %s: %w", name, err)
			}
		}
	}
	p.entries = map[string]*providerEntry{}
	return first
}

// providerDiags turns a provider's diagnostics into HCL diagnostics that
// name the provider and resource and point at subject.
// providerDiags converts a provider's diagnostics about addr, each placed
// by at from the attribute path it names (at(nil) without one).
func providerDiags(provider, addr string, ds providers.Diagnostics, at func(cty.Path) *hcl.Range) hcl.Diagnostics {
	var ret hcl.Diagnostics
	for _, d := range ds {
		sev := hcl.DiagError
		if d.Severity == providers.Warning {
			sev = hcl.DiagWarning
		}
		summary := d.Summary
		if addr != "" {
			summary = addr + ": " + summary
		}
		detail := d.Detail
		if len(d.Attribute) > 0 {
			detail = fmt.Sprintf("%s\n\n(attribute %s; reported by provider %q)", detail, schema.FormatPath(d.Attribute), provider)
		} else {
			detail = fmt.Sprintf("%s\n\n(reported by provider %q)", detail, provider)
		}
		ret = append(ret, &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: at(d.Attribute)})
	}
	return ret
}
