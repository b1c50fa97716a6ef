package providers

import (
	"context"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

// Interface is what the engine needs of a provider. Implementations: the
// bundled providers in-process, and the gRPC plugin client.
type Interface interface {
	GetSchema(ctx context.Context) GetSchemaResponse
	// ValidateConfig checks a configuration whose values may be unknown
	// (mltf validate). Plans do not call it: PlanChange must validate
	// the values it is given and report problems with attribute paths.
	ValidateConfig(ctx context.Context, req ValidateConfigRequest) ValidateConfigResponse
	Configure(ctx context.Context, req ConfigureRequest) ConfigureResponse
	PlanChange(ctx context.Context, req PlanChangeRequest) PlanChangeResponse
	ApplyChange(ctx context.Context, req ApplyChangeRequest) ApplyChangeResponse
	Read(ctx context.Context, req ReadRequest) ReadResponse
	Import(ctx context.Context, req ImportRequest) ImportResponse
	// Stop asks every in-flight call to finish early; it returns at once.
	Stop(ctx context.Context) error
	// Close releases the provider (ends its process, for a plugin).
	Close() error
}

// Kind is one kind a provider serves: its schema and what the engine must
// know of it. A kind of mltf's table (package kinds) is served as the
// table says; a kind the table does not have is the provider's own: the
// language accepts it under its name and the engine sends every resource
// of it to this provider.
type Kind struct {
	Block   *schema.Block
	Version int64
	// Importable says whether Import is supported for the kind.
	Importable bool
	// LongRunning says that ApplyChange runs user code for minutes to
	// days, streaming progress and partial states. For a kind of the
	// table it must agree with the table.
	LongRunning bool
}

type GetSchemaResponse struct {
	Provider *schema.Block // the provider "NAME" {} block
	// Kinds are the kinds the provider serves, by name: "cluster",
	// "training"...
	Kinds       map[string]Kind
	Diagnostics Diagnostics
}

type ValidateConfigRequest struct {
	Kind   string
	Config cty.Value
}

type ValidateConfigResponse struct {
	Diagnostics Diagnostics
}

// Settings are the project-wide settings of the mltf {} block, resolved by
// the engine, that a provider may need.
type Settings struct {
	WorkDir      string // absolute working directory of the configuration
	Workspace    string
	TrackingURL  string // e.g. sqlite:///abs/path/.mltf/tracking.db
	ArtifactsURL string // gocloud blob URL
	RunsDir      string // where local runs keep their directories
}

type ConfigureRequest struct {
	Config   cty.Value // the provider "NAME" {} block, or null
	Settings Settings
}

type ConfigureResponse struct {
	Diagnostics Diagnostics
}

// PlanChangeRequest asks the provider to plan one resource instance.
// Prior is null for a create; Config is null for a destroy.
type PlanChangeRequest struct {
	Kind         string
	Address      string
	Prior        cty.Value
	PriorPrivate []byte
	Config       cty.Value
	// Proposed is Config with the prior values of computed attributes
	// merged in where the configuration leaves them null.
	Proposed cty.Value
}

type PlanChangeResponse struct {
	Planned        cty.Value
	PlannedPrivate []byte
	// RequiresReplace lists the attribute paths whose change forces a new
	// instance.
	RequiresReplace []cty.Path
	// Reasons explain the change in the user's words, shown in the plan:
	// "params.lr 0.05 -> 0.1", "reuses run 3f2a (same fingerprint)".
	Reasons     []string
	Diagnostics Diagnostics
}

type ApplyChangeRequest struct {
	Kind           string
	Address        string
	Prior          cty.Value
	PriorPrivate   []byte
	Planned        cty.Value
	PlannedPrivate []byte
	Config         cty.Value
	// Sensitive are the paths of Config and Planned whose values are
	// sensitive. The engine shows them as (sensitive value); a provider
	// keeps them out of tracking, run metadata and its own log lines.
	Sensitive []cty.Path
	// Events receives the stream of events while the change runs. It may
	// be nil; it is never called after ApplyChange returns.
	Events func(Event)
}

type ApplyChangeResponse struct {
	New         cty.Value
	Private     []byte
	Diagnostics Diagnostics
}

type ReadRequest struct {
	Kind    string
	Address string
	Current cty.Value
	Private []byte
}

// ReadResponse carries the refreshed value; a null New means the object is
// gone.
type ReadResponse struct {
	New         cty.Value
	Private     []byte
	Diagnostics Diagnostics
}

type ImportRequest struct {
	Kind string
	ID   string
}

type ImportResponse struct {
	State       cty.Value
	Private     []byte
	Diagnostics Diagnostics
}

// EventType tells which field of an Event is set.
type EventType int

const (
	EventLog EventType = iota + 1
	EventProgress
	EventMetric
	EventPartial
)

// Event is one item of an ApplyChange stream.
type Event struct {
	Type     EventType
	Time     time.Time
	Log      *LogLine
	Progress *Progress
	Metric   *MetricPoint
	// Partial is a checkpoint of the instance's state, saved by the engine
	// at once so that an interrupted apply can re-attach (a launched run).
	Partial        cty.Value
	PartialPrivate []byte
}

type LogLine struct {
	Source string // "rank 0", "supervisor"
	Line   string
}

// Progress is a human summary of a long-running change.
type Progress struct {
	Message string // "running", "waiting for 2 slots in pool cpu"
	Step    int64
	Total   int64 // 0 when unknown
	Elapsed time.Duration
	Metrics map[string]float64
}

type MetricPoint struct {
	Name  string
	Step  int64
	Value float64
}
