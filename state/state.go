package state

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/zclconf/go-cty/cty"
)

// FormatVersion is the version of the JSON document Encode writes. Decode
// reads this version and refuses newer ones.
const FormatVersion = 1

// State is one version of what mltf remembers about a workspace.
type State struct {
	// Serial counts the versions written to a store; the store sets it.
	Serial uint64
	// Lineage identifies a state's history: every version written from
	// the same first state has the same lineage.
	Lineage string
	// MltfVersion is the version of mltf that wrote the state.
	MltfVersion string
	// Resources by resource address, e.g. "training.mlp".
	Resources map[string]*Resource
	// Outputs by name.
	Outputs map[string]*Output
}

// Resource is one resource block's instances.
type Resource struct {
	Addr     string // "experiment.digits"
	Kind     string // "experiment"
	Name     string // "digits"
	Provider string // "registry"
	// Instances by instance key: "" without count or for_each, "0", "1"
	// with count (see IntKey), `"a"` with for_each (see StringKey).
	Instances map[string]*Instance
}

// Status says what is known of an instance.
type Status string

const (
	// Ready: the instance was created or updated completely.
	Ready Status = "ready"
	// Partial: the instance was launched but not finished (a training run
	// still running); the next apply must re-attach to it.
	Partial Status = "partial"
	// Tainted: the instance failed or was marked for replacement.
	Tainted Status = "tainted"
)

// Valid says whether s is one of the statuses above.
func (s Status) Valid() bool {
	return s == Ready || s == Partial || s == Tainted
}

// Instance is one instance of a resource.
type Instance struct {
	Status        Status
	SchemaVersion int64
	// Attributes is the value as cty JSON against the kind's implied type;
	// the caller encodes and decodes it with the type.
	Attributes json.RawMessage
	// Private is the provider's opaque data.
	Private []byte
	// Dependencies are the resource addresses this instance depended on
	// when it was applied, sorted.
	Dependencies []string
	// Sensitive are the paths of Attributes whose values are sensitive:
	// every view shows them as (sensitive value).
	Sensitive []cty.Path
	// Deposed are old objects of this instance, by deposed key: a
	// create_before_destroy replacement made the new object, then could
	// not destroy the old one. The next apply destroys them. Deposed
	// objects have no deposed objects of their own.
	Deposed map[string]*Instance
}

// Output is one output value, as cty JSON with its cty JSON type.
type Output struct {
	Value     json.RawMessage
	Type      json.RawMessage
	Sensitive bool
}

// New returns an empty state with a fresh lineage and serial 0.
func New() *State {
	return &State{
		Lineage:   uuid.NewString(),
		Resources: map[string]*Resource{},
		Outputs:   map[string]*Output{},
	}
}

// DeepCopy returns a copy of s sharing no memory with it. It returns nil
// for nil.
func (s *State) DeepCopy() *State {
	if s == nil {
		return nil
	}
	c := &State{
		Serial:      s.Serial,
		Lineage:     s.Lineage,
		MltfVersion: s.MltfVersion,
		Resources:   make(map[string]*Resource, len(s.Resources)),
		Outputs:     make(map[string]*Output, len(s.Outputs)),
	}
	for addr, r := range s.Resources {
		c.Resources[addr] = r.DeepCopy()
	}
	for name, o := range s.Outputs {
		c.Outputs[name] = o.DeepCopy()
	}
	return c
}

// DeepCopy returns a copy of r sharing no memory with it.
func (r *Resource) DeepCopy() *Resource {
	if r == nil {
		return nil
	}
	c := *r
	c.Instances = make(map[string]*Instance, len(r.Instances))
	for k, inst := range r.Instances {
		c.Instances[k] = inst.DeepCopy()
	}
	return &c
}

// DeepCopy returns a copy of i sharing no memory with it.
func (i *Instance) DeepCopy() *Instance {
	if i == nil {
		return nil
	}
	c := *i
	c.Attributes = slices.Clone(i.Attributes)
	c.Private = slices.Clone(i.Private)
	c.Dependencies = slices.Clone(i.Dependencies)
	c.Sensitive = slices.Clone(i.Sensitive)
	if i.Deposed != nil {
		c.Deposed = make(map[string]*Instance, len(i.Deposed))
		for k, d := range i.Deposed {
			c.Deposed[k] = d.DeepCopy()
		}
	}
	return &c
}

// NewDeposedKey returns a deposed key (eight hex digits) that i does not
// use yet.
func (i *Instance) NewDeposedKey() string {
	for {
		k := uuid.NewString()[:8]
		if _, taken := i.Deposed[k]; !taken {
			return k
		}
	}
}

// CheckDeposedKey says what is wrong with a deposed key, or nil.
func CheckDeposedKey(k string) error {
	if len(k) != 8 || strings.Trim(k, "0123456789abcdef") != "" {
		return fmt.Errorf("deposed key %q is not eight lower-case hex digits", k)
	}
	return nil
}

// DeepCopy returns a copy of o sharing no memory with it.
func (o *Output) DeepCopy() *Output {
	if o == nil {
		return nil
	}
	return &Output{Value: slices.Clone(o.Value), Type: slices.Clone(o.Type), Sensitive: o.Sensitive}
}

// SetInstance stores inst as the instance key of the resource resAddr,
// creating the resource when needed (kind, name and provider are recorded
// then, and updated when they differ). A nil inst removes the instance, and
// the resource when it has no instance left. The state keeps inst itself,
// not a copy.
func (s *State) SetInstance(resAddr, kind, name, provider, key string, inst *Instance) {
	if s.Resources == nil {
		s.Resources = map[string]*Resource{}
	}
	r := s.Resources[resAddr]
	if inst == nil {
		if r == nil {
			return
		}
		delete(r.Instances, key)
		if len(r.Instances) == 0 {
			delete(s.Resources, resAddr)
		}
		return
	}
	if r == nil {
		r = &Resource{Addr: resAddr, Instances: map[string]*Instance{}}
		s.Resources[resAddr] = r
	}
	if r.Instances == nil {
		r.Instances = map[string]*Instance{}
	}
	r.Kind, r.Name, r.Provider = kind, name, provider
	r.Instances[key] = inst
}

// Instance returns the instance key of the resource resAddr, or nil.
func (s *State) Instance(resAddr, key string) *Instance {
	if s == nil {
		return nil
	}
	r := s.Resources[resAddr]
	if r == nil {
		return nil
	}
	return r.Instances[key]
}

// Addresses returns the resource addresses, sorted.
func (s *State) Addresses() []string {
	return slices.Sorted(maps.Keys(s.Resources))
}

// Empty says whether the state has no resource and no output.
func (s *State) Empty() bool {
	return s == nil || (len(s.Resources) == 0 && len(s.Outputs) == 0)
}
