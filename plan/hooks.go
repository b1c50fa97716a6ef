package plan

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state"
)

// Hooks receive what happens during an apply: the caller persists state
// from Persist and shows progress from the rest. Calls come from many
// goroutines at once.
type Hooks interface {
	// Started is called before a change is applied.
	Started(c *Change)
	// Event carries one event of a provider's ApplyChange stream.
	Event(c *Change, ev providers.Event)
	// Persist is called whenever an instance changes in state: a partial
	// one as soon as a run is launched, a finished one, or inst == nil
	// when it is removed.
	Persist(res *state.Resource, key string, inst *state.Instance)
	// Finished is called after a change, with its diagnostics.
	Finished(c *Change, diags hcl.Diagnostics)
}

// NoHooks ignores everything.
type NoHooks struct{}

func (NoHooks) Started(*Change)                                  {}
func (NoHooks) Event(*Change, providers.Event)                   {}
func (NoHooks) Persist(*state.Resource, string, *state.Instance) {}
func (NoHooks) Finished(*Change, hcl.Diagnostics)                {}

var _ Hooks = NoHooks{}

// detachedRun marks the diagnostics of an instance whose change was
// interrupted while its work (a launched run) goes on without mltf.
type detachedRun struct{}

// Detach turns the provider's errors about an interrupted change into
// warnings (the work goes on; the next apply re-attaches) and marks them.
func Detach(diags hcl.Diagnostics) hcl.Diagnostics {
	out := make(hcl.Diagnostics, 0, len(diags)+1)
	for _, d := range diags {
		w := *d
		w.Severity = hcl.DiagWarning
		out = append(out, &w)
	}
	if len(out) == 0 {
		out = append(out, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Still running",
			Detail: "mltf stopped following this change; its work goes on and the next mltf apply re-attaches to it."})
	}
	out[0].Extra = detachedRun{}
	return out
}

// Detached reports whether the diagnostics Hooks.Finished receives say
// that the change was interrupted and its work goes on detached.
func Detached(diags hcl.Diagnostics) bool {
	for _, d := range diags {
		if _, ok := d.Extra.(detachedRun); ok {
			return true
		}
	}
	return false
}
