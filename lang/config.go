package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds"
)

// Config is a loaded configuration: every *.mltf.hcl file of one directory.
type Config struct {
	Dir   string
	Files map[string]*hcl.File // by file name, for rendering diagnostics
	// Sources holds each file's bytes, so a saved plan can carry them.
	Sources map[string][]byte

	Settings  *Settings
	Variables map[string]*Variable
	Locals    map[string]*Local
	Outputs   map[string]*Output
	Providers map[string]*ProviderConfig
	Resources map[string]*Resource // by address, "training.mlp"

	// Kinds are the block types that declare resources: mltf's table and
	// the kinds of the required providers' own.
	Kinds kinds.Table
}

// Settings is the mltf {} block.
type Settings struct {
	StateURL          string
	TrackingURL       string
	ArtifactsURL      string
	RequiredVersion   string
	RequiredProviders map[string]*RequiredProvider
	// Encryption is the encryption {} block, nil when there is none.
	Encryption *EncryptionBlock
	DeclRange  hcl.Range
}

// EncryptionBlock is the encryption {} block of the mltf block, decoded by
// state/encryption (its attributes may refer to variables).
type EncryptionBlock struct {
	Body      hcl.Body
	DeclRange hcl.Range
}

// RequiredProvider is one entry of required_providers.
type RequiredProvider struct {
	Name      string
	Source    string
	Version   string
	DeclRange hcl.Range
}

// Variable is a variable "NAME" {} block.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type
	Defaults    *typeexpr.Defaults
	Default     cty.Value // cty.NilVal when there is none
	Sensitive   bool
	Nullable    bool
	Validations []*Validation
	DeclRange   hcl.Range
}

// Validation is a validation {} block of a variable.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage hcl.Expression
	DeclRange    hcl.Range
}

// Local is one attribute of a locals {} block.
type Local struct {
	Name      string
	Expr      hcl.Expression
	DeclRange hcl.Range
}

// Output is an output "NAME" {} block.
type Output struct {
	Name        string
	Description string
	Expr        hcl.Expression
	Sensitive   bool
	DependsOn   []hcl.Traversal
	DeclRange   hcl.Range
}

// ProviderConfig is a provider "NAME" {} block; its body is decoded with
// the provider's schema by the engine.
type ProviderConfig struct {
	Name      string
	Config    hcl.Body
	DeclRange hcl.Range
}

// Resource is a block of one of the kinds.
type Resource struct {
	Kind string
	Name string

	// Config is the body without the meta-arguments, decoded with the kind's
	// schema by the engine.
	Config hcl.Body

	Count     hcl.Expression // nil when absent
	ForEach   hcl.Expression // nil when absent
	DependsOn []hcl.Traversal

	// Provider names the provider explicitly (provider = local); empty when
	// the kind's default applies.
	Provider      string
	ProviderRange hcl.Range

	Lifecycle Lifecycle

	DeclRange hcl.Range
	TypeRange hcl.Range
}

// Addr is the resource's address.
func (r *Resource) Addr() ResourceAddr { return ResourceAddr{Kind: r.Kind, Name: r.Name} }

// Lifecycle is a lifecycle {} block.
type Lifecycle struct {
	PreventDestroy      bool
	CreateBeforeDestroy bool
	IgnoreChanges       []hcl.Traversal
	IgnoreAll           bool
}

// KindTable supplies the kind table once the mltf {} settings are decoded:
// mltf's own kinds plus the kinds of the providers they require.
type KindTable func(s *Settings) (kinds.Table, hcl.Diagnostics)

// BuiltinKinds is the KindTable of mltf's own kinds alone.
func BuiltinKinds(*Settings) (kinds.Table, hcl.Diagnostics) { return kinds.Builtin(), nil }
