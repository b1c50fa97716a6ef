package plan_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
)

// memProvider is the engine's neighbour in these tests: a provider of one
// kind, "experiment", whose objects live in a map. Its "seed" attribute
// forces replacement; "id" is computed.
type memProvider struct {
	mu      sync.Mutex
	objects map[string]cty.Value
	nextID  atomic.Int64
	applied []string // "create experiment.a", in order

	// source is what the computed "fingerprint" is planned from: a stand-in
	// for data that may change between plan and apply.
	source string
	// plans counts PlanChange calls; each plan's private data is "plan-N".
	plans atomic.Int64
	// privates are the PlannedPrivate of every ApplyChange, by address.
	privates map[string]string
	// failing are the addresses whose create or update fails after the
	// object exists, as a run that was launched and then failed does.
	failing map[string]bool
	// undeletable are the ids of objects whose destruction fails.
	undeletable map[string]bool
}

func newMemProvider() *memProvider {
	return &memProvider{objects: map[string]cty.Value{}, privates: map[string]string{}, failing: map[string]bool{}, undeletable: map[string]bool{}}
}

var _ providers.Interface = (*memProvider)(nil)

// memVersion is the schema version of the memProvider's kind.
const memVersion = 2

func memSchema() *schema.Block {
	return &schema.Block{Attributes: map[string]*schema.Attribute{
		"name":   {Type: cty.String, Optional: true},
		"seed":   {Type: cty.Number, Optional: true},
		"tags":   {Type: cty.Map(cty.String), Optional: true},
		"secret": {Type: cty.String, Optional: true, Sensitive: true},
		"id":     {Type: cty.String, Computed: true},

		"fingerprint": {Type: cty.String, Computed: true},
	}}
}

func (p *memProvider) GetSchema(context.Context) providers.GetSchemaResponse {
	return providers.GetSchemaResponse{Provider: &schema.Block{}, Kinds: map[string]providers.Kind{"experiment": {Block: memSchema(), Version: memVersion}}}
}
func (p *memProvider) ValidateConfig(context.Context, providers.ValidateConfigRequest) providers.ValidateConfigResponse {
	return providers.ValidateConfigResponse{}
}
func (p *memProvider) Configure(context.Context, providers.ConfigureRequest) providers.ConfigureResponse {
	return providers.ConfigureResponse{}
}
func (p *memProvider) PlanChange(_ context.Context, req providers.PlanChangeRequest) providers.PlanChangeResponse {
	if req.Config.IsNull() {
		return providers.PlanChangeResponse{Planned: req.Config}
	}
	m := req.Proposed.AsValueMap()
	p.mu.Lock()
	m["fingerprint"] = cty.StringVal(p.source)
	p.mu.Unlock()
	if req.Prior.IsNull() || !req.Prior.GetAttr("seed").RawEquals(req.Config.GetAttr("seed")) {
		m["id"] = cty.UnknownVal(cty.String)
	}
	private := fmt.Sprintf("plan-%d", p.plans.Add(1))
	return providers.PlanChangeResponse{Planned: cty.ObjectVal(m), PlannedPrivate: []byte(private), RequiresReplace: []cty.Path{cty.GetAttrPath("seed")}}
}
func (p *memProvider) ApplyChange(_ context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.privates[req.Address] = string(req.PlannedPrivate)
	switch {
	case req.Planned.IsNull():
		id := req.Prior.GetAttr("id").AsString()
		if p.undeletable[id] {
			return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: providers.Diagnostics{}.Errorf("Cannot delete "+id, "")}
		}
		delete(p.objects, id)
		p.applied = append(p.applied, "delete "+req.Address)
		return providers.ApplyChangeResponse{New: req.Planned}
	case req.Prior.IsNull():
		p.applied = append(p.applied, "create "+req.Address)
	default:
		p.applied = append(p.applied, "update "+req.Address)
	}
	m := req.Planned.AsValueMap()
	if !m["id"].IsKnown() {
		m["id"] = cty.StringVal(fmt.Sprintf("id-%d", p.nextID.Add(1)))
	}
	v := cty.ObjectVal(m)
	p.objects[m["id"].AsString()] = v
	if p.failing[req.Address] {
		return providers.ApplyChangeResponse{New: v, Diagnostics: providers.Diagnostics{}.Errorf(req.Address+" failed after it was created", "")}
	}
	return providers.ApplyChangeResponse{New: v}
}
func (p *memProvider) Read(_ context.Context, req providers.ReadRequest) providers.ReadResponse {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.objects[req.Current.GetAttr("id").AsString()]
	if !ok {
		return providers.ReadResponse{New: cty.NullVal(req.Current.Type())}
	}
	return providers.ReadResponse{New: v}
}
func (p *memProvider) Import(context.Context, providers.ImportRequest) providers.ImportResponse {
	return providers.ImportResponse{}
}
func (p *memProvider) Stop(context.Context) error { return nil }
func (p *memProvider) Close() error               { return nil }
