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
