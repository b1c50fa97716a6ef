package sdk

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// Kind declares one kind: its schema and its lifecycle. Only Schema and
// Create are required.
type Kind struct {
	Schema  *schema.Block
	Version int64
	// LongRunning declares that Create and Update run for minutes to
	// days, reporting progress and checkpoints (see providers.Kind).
	LongRunning bool

	// DeleteReason, when set, is the plan's reason for a planned destroy,
	// e.g. what is left in place.
	DeleteReason string

	// ReplaceOn lists the attributes (or nested blocks) whose change
	// forces a new instance. When Update is nil every change does.
	ReplaceOn []cty.Path

	// Validate checks a configuration beyond its type: ranges, formats,
	// combinations. Values may be unknown at validation.
	Validate func(ctx context.Context, config cty.Value) providers.Diagnostics

	// Plan adjusts the plan the SDK made (see Plan): mark more values
	// unknown, force a replacement, add reasons, keep private data.
	Plan func(ctx context.Context, p *Plan) providers.Diagnostics

	// Create makes the object of c.Planned and returns its state: the
	// planned value with every unknown filled in.
	Create func(ctx context.Context, c *Change) (cty.Value, providers.Diagnostics)
	// Update changes the object in place, from c.Prior to c.Planned.
	Update func(ctx context.Context, c *Change) (cty.Value, providers.Diagnostics)
	// Delete removes the object of c.Prior. Nil: deleting only forgets it.
	Delete func(ctx context.Context, c *Change) providers.Diagnostics
	// Read refreshes r.Current from the real object; it returns a null
	// value when the object is gone. Nil: the state is kept as it is.
	Read func(ctx context.Context, r *Read) (cty.Value, providers.Diagnostics)
	// Import returns the state of the existing object with id r.ID, or a
	// null value when there is none. Nil: the kind cannot be imported.
	Import func(ctx context.Context, r *Import) (cty.Value, providers.Diagnostics)
}

// Plan is one change being planned. Planned, RequiresReplace and Reasons
// hold the SDK's plan when Kind.Plan is called; Kind.Plan may change them.
type Plan struct {
	Address      string
	Prior        cty.Value // null for a create
	PriorPrivate []byte
	Config       cty.Value
	Proposed     cty.Value

	Planned         cty.Value
	PlannedPrivate  []byte
	RequiresReplace []cty.Path
	Reasons         []string
}

// Create reports whether the change makes a new object.
func (p *Plan) Create() bool { return isNull(p.Prior) }

// Change is one change being applied. Create, Update and Delete receive
// it; they set Private to keep provider data with the new state (it
// starts as the planned private data).
type Change struct {
	Address      string
	Prior        cty.Value // null for a create
	PriorPrivate []byte
	Planned      cty.Value // null for a delete
	Config       cty.Value
	Private      []byte
	// Sensitive are the paths of Config and Planned whose values are
	// sensitive: keep them out of anything the provider records or logs.
	Sensitive []cty.Path

	events func(providers.Event)
}

// Read is one refresh. Private starts as the stored private data; Read
// may replace it.
type Read struct {
	Address string
	Current cty.Value
	Private []byte
}

// Import is one import. Import may set Private.
type Import struct {
	ID      string
	Private []byte
}
