package runflow

import (
	"context"
	"encoding/json"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
)

// Backend is a compute backend: where gangs of processes run.
type Backend interface {
	// Name is the provider's name, for messages: "local", "kubernetes".
	Name() string
	// Decode reads a run's configuration: the kind's attributes
	// (training.Decode with the backend's rules) and the backend's own
	// (pool, options {}), checking how the run fits where it goes.
	Decode(v cty.Value) (*Config, providers.Diagnostics)
	// Check is called at plan with the run's inputs (nil Inputs while
	// unknown): what will not work as the user expects (warnings), or
	// cannot work (errors). create is true for a resource not in state.
	Check(r *Run, create bool) providers.Diagnostics
	// Describe says what a new run will be, for the plan's reason.
	Describe(c *Config) string
	// Locate says where a run's objects are, from the locator kept in its
	// private data ("" when there is nothing to say), for reasons.
	Locate(where json.RawMessage) string
	// Finished returns a finished run with the fingerprint to reuse: the
	// one the tracking store found (tracked, nil when none), completed
	// with what the backend knows of it, else one the backend keeps itself.
	Finished(r *Run, tracked *training.RunFacts) (training.RunFacts, bool)

	// FindLive returns a run of r's address, workspace and fingerprint
	// that is still going: launched by an apply killed before it could
	// save the run in state.
	FindLive(ctx context.Context, r *Run, w *Watch) (Gang, bool, error)
	// Launch starts a new run of r, with r.ID empty (the backend names
	// it). It may wait for capacity, reporting progress to w.
	Launch(ctx context.Context, r *Run, w *Watch) (Gang, error)
	// Attach returns the running run r.ID that an earlier apply launched
	// (r.Where is its locator).
	Attach(ctx context.Context, r *Run, w *Watch) (Gang, error)
	// Refresh reads a run of the state: its facts now, Gone when its
	// objects are gone. A run that ended while no apply followed it is
	// completed here (metrics, artifacts) and its end reported to w.
	Refresh(ctx context.Context, r *Run, w *Watch) Refreshed
	// Destroy cancels the run r.ID if it still runs, reporting its end
	// to w, and removes what the backend keeps of it (objects,
	// checkpoints).
	Destroy(ctx context.Context, r *Run, w *Watch) providers.Diagnostics
}

// Gang is one run's gang of processes, launched or attached to.
type Gang interface {
	// Facts are the run's computed values as of now.
	Facts() training.RunFacts
	// Where is the locator the flow keeps in the run's private data to
	// attach to it later (marshalled to a JSON object); nil for none.
	Where() any
	// Env is what the run's record in the tracking store says of where
	// it runs: host, image, namespace...
	Env() map[string]string
	// Follow reports the run to w until it ends (Ended) or ctx is done
	// (the run goes on; the next apply attaches to it). Restarts within
	// the retry budgets happen inside Follow.
	Follow(ctx context.Context, w *Watch) Outcome
	// Stop ends the run early: its processes get grace to exit.
	Stop(ctx context.Context, grace time.Duration) error
}

// Outcome is how following a run ended.
type Outcome struct {
	Facts training.RunFacts
	// Ended says the run ended (Facts.Status is final); false when the
	// follow stopped first.
	Ended bool
	// Detail explains a failed or cancelled run: cause, budgets, last
	// lines of the failing rank.
	Detail string
	// Diagnostics are the backend's own (a failed upload, a lost
	// supervisor).
	Diagnostics providers.Diagnostics
}

// Refreshed is what a backend's Refresh found.
type Refreshed struct {
	Facts training.RunFacts
	// Where replaces the run's locator when set.
	Where any
	// Gone says the run's objects are gone: the resource reads as null.
	Gone        bool
	Diagnostics providers.Diagnostics
}

// Config is a run's configuration as its backend decoded it.
type Config struct {
	training.Config
	// Backend is the distributed backend resolved for the pool: nccl or
	// gloo.
	Backend string
	// LocalData says the ranks read local data sets at this machine's
	// paths (training.ResolveData).
	LocalData bool
	// Placement is what the backend read of the pool and options, for
	// its own use.
	Placement any
}

// Run is one run as the flow hands it to its backend.
type Run struct {
	ID, Address string
	Settings    providers.Settings
	Config      *Config
	// Planned are the run's inputs, code manifest and data (nil Inputs
	// while some input is unknown).
	Planned training.Planned
	// Facts are the prior facts (attach, refresh, destroy).
	Facts training.RunFacts
	// Where is the backend's locator from the private data.
	Where json.RawMessage
	// Sensitive are the paths of the configuration whose values are
	// sensitive: never recorded, never logged (training.SecretsOf).
	Sensitive []cty.Path
}

// Fingerprint is the run's fingerprint, "" while unknown.
func (r *Run) Fingerprint() string {
	if r.Planned.Inputs != nil {
		return r.Planned.Inputs.Fingerprint()
	}
	return r.Facts.Fingerprint
}
