package command

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/kinds"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state"
)

// kindTable learns the kinds of a configuration: mltf's table plus the
// kinds that the third-party providers it requires declare as their own.
type kindTable struct {
	m      *Meta
	before func(*lang.Settings)
	// unstarted are the required providers that could not be asked.
	unstarted []string
}

func (m *Meta) kindTable(before func(*lang.Settings)) *kindTable {
	return &kindTable{m: m, before: before}
}

// table is the lang.KindTable: it starts each required provider that is
// not bundled and asks for its schema. A provider that cannot be started
// is left out; the plan reports it where a resource uses it. The started
// providers are kept for the command's operation (see Meta.providers), so
// that each starts once.
func (k *kindTable) table(s *lang.Settings) (kinds.Table, hcl.Diagnostics) {
	if k.before != nil {
		k.before(s)
	}
	table := kinds.Builtin()
	var names []string
	for name := range s.RequiredProviders {
		if !k.m.isBundled(name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return table, nil
	}
	sort.Strings(names)
	cfg := &lang.Config{Settings: s}
	factory := k.m.Providers(k.m.settings(cfg, k.m.workspace()))
	var diags hcl.Diagnostics
	for _, name := range names {
		p, err := factory(name)
		if err != nil {
			k.unstarted = append(k.unstarted, fmt.Sprintf("%s (%s)", name, err))
			continue
		}
		resp := p.GetSchema(context.Background())
		k.m.keepStarted(name, p)
		own := make([]string, 0, len(resp.Kinds))
		for kind := range resp.Kinds {
			if !table.Has(kind) {
				own = append(own, kind)
			}
		}
		sort.Strings(own)
		for _, kind := range own {
			decl := resp.Kinds[kind]
			row := kinds.Kind{Name: kind, Provider: name, LongRunning: decl.LongRunning}
			if decl.Block != nil {
				row.Summary = decl.Block.Description
			}
			t, err := table.With(row)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Provider declares an invalid kind",
					Detail:   fmt.Sprintf("Provider %q declares a kind of its own that mltf cannot accept: %s. Use another version of the provider, or remove it from required_providers.", name, err),
					Subject:  s.RequiredProviders[name].DeclRange.Ptr(),
				})
				continue
			}
			table = t
		}
	}
	return table, diags
}

// explain adds, to a load that met block types it does not know, which
// required providers could not be asked for their kinds.
func (k *kindTable) explain(diags hcl.Diagnostics) hcl.Diagnostics {
	if len(k.unstarted) == 0 {
		return nil
	}
	for _, d := range diags {
		if d.Summary == "Unsupported block type" {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Kinds of required providers unknown",
				Detail:   fmt.Sprintf("A block type above may be a kind that a required provider serves, but these providers could not be started to ask: %s.", strings.Join(k.unstarted, "; ")),
			}}
		}
	}
	return nil
}

func (m *Meta) isBundled(name string) bool {
	for _, b := range m.Bundled {
		if b == name {
			return true
		}
	}
	return false
}

// stateKinds is table plus the kinds of st's resources that it lacks: a
// state may hold resources of a provider no longer required.
func stateKinds(table kinds.Table, st *state.State) kinds.Table {
	for _, r := range st.Resources {
		table = table.WithRecorded(r.Kind, r.Provider)
	}
	return table
}

// keepStarted keeps p, started to learn its kinds, for the next factory of
// m.providers: a provider process is started once per command.
func (m *Meta) keepStarted(name string, p providers.Interface) {
	if m.started == nil {
		m.started = map[string]providers.Interface{}
	}
	if old, ok := m.started[name]; ok {
		old.Close()
	}
	m.started[name] = p
}

// providers is the command's provider factory: it hands out the providers
// started while the configuration was loaded, then starts others.
func (m *Meta) providers(settings providers.Settings) plan.Factory {
	start := m.Providers(settings)
	return func(name string) (providers.Interface, error) {
		if p, ok := m.started[name]; ok {
			delete(m.started, name)
			return p, nil
		}
		return start(name)
	}
}

// closeStarted closes the providers started to learn kinds that no
// operation took.
func (m *Meta) closeStarted() {
	for name, p := range m.started {
		p.Close()
		delete(m.started, name)
	}
}
