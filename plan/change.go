package plan

import (
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/state"
)

// Action is what a change does to an instance.
type Action string

const (
	NoOp             Action = ""
	Create           Action = "+"
	Update           Action = "~"
	DeleteThenCreate Action = "-/+"
	CreateThenDelete Action = "+/-"
	Delete           Action = "-"
	Read             Action = "<="
)

// IsReplace reports whether the action replaces an instance.
func (a Action) IsReplace() bool { return a == DeleteThenCreate || a == CreateThenDelete }

// Word is the action in words, as plans print it.
func (a Action) Word() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case DeleteThenCreate, CreateThenDelete:
		return "replace"
	case Delete:
		return "destroy"
	case Read:
		return "read"
	}
	return "no-op"
}

// Change is the plan for one resource instance, or for one of its deposed
// objects.
type Change struct {
	Addr lang.InstanceAddr
	// Deposed is the deposed key when the change destroys a deposed object
	// of the instance (the old object of a create_before_destroy
	// replacement whose destruction failed); "" for the instance itself.
	Deposed  string
	Provider string
	Action   Action

	Before        cty.Value // null on create
	After         cty.Value // null on delete; may hold unknowns
	BeforePrivate []byte
	AfterPrivate  []byte

	// RequiresReplace are the paths whose change forces the replacement.
	RequiresReplace []cty.Path
	// Sensitive are the paths shown as (sensitive value).
	Sensitive []cty.Path
	// Reasons explain the change: the provider's words, and the engine's
	// ("tainted", "-replace", "gone from the configuration").
	Reasons []string

	// PriorStatus is the prior instance's status (a partial instance is a
	// launched run that apply re-attaches to).
	PriorStatus state.Status
	// Dependencies are the resources this instance refers to.
	Dependencies []string
	// References maps top-level attributes that are a plain reference to
	// another resource (from = training.mlp) to that reference, so plans
	// can show the reference rather than the whole object.
	References map[string]string
}

// Key identifies the change among a plan's changes: the instance address,
// and for a deposed object its deposed key.
func (c *Change) Key() string {
	if c.Deposed != "" {
		return c.Addr.String() + " (deposed object " + c.Deposed + ")"
	}
	return c.Addr.String()
}

// OutputChange is the plan for one output.
type OutputChange struct {
	Name      string
	Before    cty.Value
	After     cty.Value
	Sensitive bool
	Deleted   bool
}

// Options steer a plan.
type Options struct {
	Destroy     bool
	Refresh     bool
	Targets     []lang.InstanceAddr
	Replace     []lang.InstanceAddr
	Parallelism int
	Variables   map[string]cty.Value
}

// Changeset is what Plan returns: the changes to apply to the prior state, with what is needed
// to apply it.
type Changeset struct {
	Config    *lang.Config
	Variables map[string]cty.Value
	Options   Options

	Changes []*Change // sorted by address, no-ops included
	Outputs []*OutputChange

	Prior        *state.State
	PriorLineage string
	PriorSerial  uint64
	// PriorDigest is Prior's digest (state.State.Digest) in a plan read
	// from a file: a saved plan applies only to a state with the same one,
	// which catches what an interrupted apply recorded in the journal at
	// the same serial. EncodePlan works it out from Prior, so a plan that
	// is not saved does not hash the whole state.
	PriorDigest string

	// Drift lists instances whose refreshed value differs from state.
	Drift []string

	Created time.Time
	// Applyable is false when the plan has errors.
	Applyable bool
}

// Summary counts the changes by action.
type Summary struct {
	Add, Change, Destroy, Unchanged int
}

// Summary counts the changes.
func (p *Changeset) Summary() Summary {
	var s Summary
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			s.Add++
		case Update:
			s.Change++
		case Delete:
			s.Destroy++
		case DeleteThenCreate, CreateThenDelete:
			s.Add++
			s.Destroy++
		default:
			s.Unchanged++
		}
	}
	return s
}

// HasChanges reports whether applying would change anything.
func (p *Changeset) HasChanges() bool {
	for _, c := range p.Changes {
		if c.Action != NoOp {
			return true
		}
	}
	for _, o := range p.Outputs {
		if o.Deleted || o.Before == cty.NilVal || !o.After.IsWhollyKnown() || !o.Before.RawEquals(o.After) {
			return true
		}
	}
	return false
}

// Change returns the change for an instance address, or nil.
func (p *Changeset) Change(addr string) *Change {
	for _, c := range p.Changes {
		if c.Addr.String() == addr && c.Deposed == "" {
			return c
		}
	}
	return nil
}
