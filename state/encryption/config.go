package encryption

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Config is a decoded encryption {} block.
type Config struct {
	KeyProviders map[string]*KeyProviderConfig // by "pbkdf2.NAME"
	Methods      map[string]*MethodConfig      // by "aes_gcm.NAME"
	State        *TargetConfig                 // nil: the state is not encrypted
	Plan         *TargetConfig                 // nil: saved plans are not encrypted
	DeclRange    hcl.Range
}

// KeyProviderConfig is a key_provider "TYPE" "NAME" {} block.
type KeyProviderConfig struct {
	Type, Name string
	// pbkdf2
	Passphrase   string
	KeyLength    int
	Iterations   int
	SaltLength   int
	HashFunction string
	// keeper
	URL string

	DeclRange hcl.Range
}

// Addr is "key_provider.TYPE.NAME".
func (k *KeyProviderConfig) Addr() string { return "key_provider." + k.Type + "." + k.Name }

// MethodConfig is a method "TYPE" "NAME" {} block.
type MethodConfig struct {
	Type, Name string
	Keys       string // "pbkdf2.NAME" (aes_gcm)
	DeclRange  hcl.Range
}

// Addr is "method.TYPE.NAME".
func (m *MethodConfig) Addr() string { return "method." + m.Type + "." + m.Name }

// TargetConfig is a state {} or plan {} block.
type TargetConfig struct {
	Method   string // "aes_gcm.NAME"
	Enforced bool
	Fallback string // "" or "aes_gcm.NAME"
	// DeclRange is where the block is, for messages.
	DeclRange hcl.Range
}

// pbkdf2 defaults, as OpenTofu's: a 32-byte key for AES-256, 600,000
// iterations of SHA-512 (OWASP's advice), a 32-byte salt.
const (
	defaultKeyLength     = 32
	defaultIterations    = 600_000
	minIterations        = 200_000
	defaultSaltLength    = 32
	defaultHashFunction  = "sha512"
	minPassphraseLength  = 16
	keyProviderPBKDF2    = "pbkdf2"
	keyProviderKeeper    = "keeper"
	methodAESGCM         = "aes_gcm"
	methodUnencrypted    = "unencrypted"
	targetState          = "state"
	targetPlan           = "plan"
	encryptionBlockParts = "key_provider, method, state and plan"
)

var blockSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "key_provider", LabelNames: []string{"type", "name"}},
		{Type: "method", LabelNames: []string{"type", "name"}},
		{Type: targetState},
		{Type: targetPlan},
	},
}

var (
	pbkdf2Schema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "passphrase", Required: true}, {Name: "key_length"}, {Name: "iterations"}, {Name: "salt_length"}, {Name: "hash_function"},
	}}
	keeperSchema      = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "url", Required: true}}}
	aesGCMSchema      = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "keys", Required: true}}}
	unencryptedSchema = &hcl.BodySchema{}
	targetSchema      = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "method", Required: true}, {Name: "enforced"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "fallback"}},
	}
	fallbackSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "method", Required: true}}}
)

// Decode decodes the encryption block body (declared at rng). Attribute
// values may use vars, the values of the configuration's variables
// (var.NAME); keys and method refer to blocks of the same encryption block.
func Decode(body hcl.Body, rng hcl.Range, vars map[string]cty.Value) (*Config, hcl.Diagnostics) {
	return DecodeLayers([]hcl.Body{body}, rng, vars)
}

// DecodeLayers decodes encryption block bodies that make one block, as
// OpenTofu merges TF_ENCRYPTION into the configuration's encryption
// block: a key_provider or method of a later body replaces the one of an
// earlier body with the same type and name, and its state or plan block
// replaces the earlier one; references may cross bodies. Within one body a
// block defined twice is an error.
func DecodeLayers(bodies []hcl.Body, rng hcl.Range, vars map[string]cty.Value) (*Config, hcl.Diagnostics) {
	cfg := &Config{KeyProviders: map[string]*KeyProviderConfig{}, Methods: map[string]*MethodConfig{}, DeclRange: rng}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}
	if vars == nil {
		ctx.Variables["var"] = cty.EmptyObjectVal
	}
	// Later bodies first: a block they define is not decoded from an
	// earlier body at all (its values may be what the later body
	// replaces).
	var diags hcl.Diagnostics
	defined := map[string]definedAt{}
	for i := len(bodies) - 1; i >= 0; i-- {
		diags = append(diags, cfg.decodeLayer(bodies[i], ctx, i, defined)...)
	}
	if diags.HasErrors() {
		return cfg, diags
	}
	diags = append(diags, cfg.check()...)
	return cfg, diags
}

// definedAt is where a block of an encryption block was defined.
type definedAt struct {
	layer int
	rng   hcl.Range
}

// decodeLayer decodes the blocks of body number i that no later body
// defines into cfg (see DecodeLayers).
func (cfg *Config) decodeLayer(body hcl.Body, ctx *hcl.EvalContext, i int, defined map[string]definedAt) hcl.Diagnostics {
	content, diags := body.Content(blockSchema)
	for _, b := range content.Blocks {
		id := strings.Join(append([]string{b.Type}, b.Labels...), ".")
		if prev, ok := defined[id]; ok {
			if prev.layer == i {
				name := id
				if b.Type == targetState || b.Type == targetPlan {
					name = b.Type + " block"
				}
				diags = append(diags, duplicate(name, prev.rng, b.DefRange))
			}
			continue
		}
		defined[id] = definedAt{i, b.DefRange}
		switch b.Type {
		case "key_provider":
			kp, ds := decodeKeyProvider(b, ctx)
			diags = append(diags, ds...)
			if kp != nil {
				cfg.KeyProviders[kp.Type+"."+kp.Name] = kp
			}
		case "method":
			m, ds := decodeMethod(b)
			diags = append(diags, ds...)
			if m != nil {
				cfg.Methods[m.Type+"."+m.Name] = m
			}
		case targetState:
			t, ds := decodeTarget(b, ctx)
			diags = append(diags, ds...)
			cfg.State = t
		case targetPlan:
			t, ds := decodeTarget(b, ctx)
			diags = append(diags, ds...)
			cfg.Plan = t
		}
	}
	return diags
}

func decodeKeyProvider(b *hcl.Block, ctx *hcl.EvalContext) (*KeyProviderConfig, hcl.Diagnostics) {
	kp := &KeyProviderConfig{Type: b.Labels[0], Name: b.Labels[1], DeclRange: b.DefRange}
	var diags hcl.Diagnostics
	switch kp.Type {
	case keyProviderPBKDF2:
		kp.KeyLength, kp.Iterations, kp.SaltLength, kp.HashFunction = defaultKeyLength, defaultIterations, defaultSaltLength, defaultHashFunction
		c, ds := b.Body.Content(pbkdf2Schema)
		diags = append(diags, ds...)
		for name, a := range c.Attributes {
			var target any
			switch name {
			case "passphrase":
				target = &kp.Passphrase
			case "key_length":
				target = &kp.KeyLength
			case "iterations":
				target = &kp.Iterations
			case "salt_length":
				target = &kp.SaltLength
			case "hash_function":
				target = &kp.HashFunction
			}
			diags = append(diags, gohcl.DecodeExpression(a.Expr, ctx, target)...)
		}
		if diags.HasErrors() {
			return kp, diags
		}
		subject := b.DefRange.Ptr()
		if a, ok := c.Attributes["passphrase"]; ok {
			subject = a.Expr.Range().Ptr()
		}
		switch {
		case len(kp.Passphrase) < minPassphraseLength:
			diags = append(diags, errorAt("Passphrase too short", fmt.Sprintf("The passphrase of %s has %d characters; it needs at least %d. Set it from a sensitive variable: passphrase = var.state_passphrase.", kp.Addr(), len(kp.Passphrase), minPassphraseLength), subject))
		case kp.KeyLength != 16 && kp.KeyLength != 24 && kp.KeyLength != 32:
			diags = append(diags, errorAt("Invalid key_length", fmt.Sprintf("key_length of %s is %d; AES takes keys of 16, 24 or 32 bytes.", kp.Addr(), kp.KeyLength), attrRange(c, "key_length", b)))
		case kp.Iterations < minIterations:
			diags = append(diags, errorAt("Too few iterations", fmt.Sprintf("iterations of %s is %d; at least %d keep a passphrase from being guessed quickly.", kp.Addr(), kp.Iterations, minIterations), attrRange(c, "iterations", b)))
		case kp.SaltLength < 16:
			diags = append(diags, errorAt("Salt too short", fmt.Sprintf("salt_length of %s is %d; use at least 16 bytes.", kp.Addr(), kp.SaltLength), attrRange(c, "salt_length", b)))
		case kp.HashFunction != "sha256" && kp.HashFunction != "sha512":
			diags = append(diags, errorAt("Invalid hash_function", fmt.Sprintf("hash_function of %s is %q; use \"sha256\" or \"sha512\".", kp.Addr(), kp.HashFunction), attrRange(c, "hash_function", b)))
		}
	case keyProviderKeeper:
		c, ds := b.Body.Content(keeperSchema)
		diags = append(diags, ds...)
		if a, ok := c.Attributes["url"]; ok {
			diags = append(diags, gohcl.DecodeExpression(a.Expr, ctx, &kp.URL)...)
		}
	default:
		return nil, hcl.Diagnostics{errorAt("Unknown key provider type", fmt.Sprintf("Key provider type %q is not known; the types are pbkdf2 (from a passphrase) and keeper (a gocloud.dev/secrets URL: base64key://, awskms://, gcpkms://, azurekeyvault://, hashivault://).", kp.Type), b.LabelRanges[0].Ptr())}
	}
	return kp, diags
}

func decodeMethod(b *hcl.Block) (*MethodConfig, hcl.Diagnostics) {
	m := &MethodConfig{Type: b.Labels[0], Name: b.Labels[1], DeclRange: b.DefRange}
	switch m.Type {
	case methodAESGCM:
		c, diags := b.Body.Content(aesGCMSchema)
		if a, ok := c.Attributes["keys"]; ok {
			ref, ds := reference(a.Expr, "key_provider")
			diags = append(diags, ds...)
			m.Keys = ref
		}
		return m, diags
	case methodUnencrypted:
		_, diags := b.Body.Content(unencryptedSchema)
		return m, diags
	default:
		return nil, hcl.Diagnostics{errorAt("Unknown encryption method", fmt.Sprintf("Method type %q is not known; the methods are aes_gcm and unencrypted (to migrate into or out of encryption).", m.Type), b.LabelRanges[0].Ptr())}
	}
}

func decodeTarget(b *hcl.Block, ctx *hcl.EvalContext) (*TargetConfig, hcl.Diagnostics) {
	t := &TargetConfig{DeclRange: b.DefRange}
	c, diags := b.Body.Content(targetSchema)
	if a, ok := c.Attributes["method"]; ok {
		ref, ds := reference(a.Expr, "method")
		diags = append(diags, ds...)
		t.Method = ref
	}
	if a, ok := c.Attributes["enforced"]; ok {
		diags = append(diags, gohcl.DecodeExpression(a.Expr, ctx, &t.Enforced)...)
	}
	for i, fb := range c.Blocks {
		if i > 0 {
			diags = append(diags, duplicate("fallback block", c.Blocks[0].DefRange, fb.DefRange))
			continue
		}
		fc, ds := fb.Body.Content(fallbackSchema)
		diags = append(diags, ds...)
		if a, ok := fc.Attributes["method"]; ok {
			ref, ds := reference(a.Expr, "method")
			diags = append(diags, ds...)
			t.Fallback = ref
		}
	}
	return t, diags
}

// reference reads kind.TYPE.NAME and returns "TYPE.NAME".
func reference(expr hcl.Expression, kind string) (string, hcl.Diagnostics) {
	trav, diags := hcl.AbsTraversalForExpr(expr)
	if !diags.HasErrors() && len(trav) == 3 && trav.RootName() == kind {
		typ, ok1 := trav[1].(hcl.TraverseAttr)
		name, ok2 := trav[2].(hcl.TraverseAttr)
		if ok1 && ok2 {
			return typ.Name + "." + name.Name, nil
		}
	}
	example := "key_provider.pbkdf2.main"
	if kind == "method" {
		example = "method.aes_gcm.main"
	}
	return "", hcl.Diagnostics{errorAt("Invalid reference", fmt.Sprintf("This must refer to a %s block of the encryption block, like %s.", kind, example), expr.Range().Ptr())}
}

// check resolves the references between the blocks.
func (c *Config) check() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, m := range c.Methods {
		if m.Type == methodAESGCM {
			if _, ok := c.KeyProviders[m.Keys]; !ok {
				diags = append(diags, errorAt("Unknown key provider", fmt.Sprintf("%s uses key_provider.%s, which is not declared in the encryption block.", m.Addr(), m.Keys), m.DeclRange.Ptr()))
			}
		}
	}
	for _, t := range []struct {
		name string
		cfg  *TargetConfig
	}{{targetState, c.State}, {targetPlan, c.Plan}} {
		if t.cfg == nil {
			continue
		}
		for _, ref := range []string{t.cfg.Method, t.cfg.Fallback} {
			if ref == "" {
				continue
			}
			if _, ok := c.Methods[ref]; !ok {
				diags = append(diags, errorAt("Unknown encryption method", fmt.Sprintf("The %s block uses method.%s, which is not declared in the encryption block.", t.name, ref), t.cfg.DeclRange.Ptr()))
			}
		}
		if m, ok := c.Methods[t.cfg.Method]; ok && m.Type == methodUnencrypted && t.cfg.Enforced {
			diags = append(diags, errorAt("Unencrypted method enforced away", fmt.Sprintf("The %s block has enforced = true, which forbids writing it unencrypted, but its method is method.%s. Use an aes_gcm method, or drop enforced while migrating out of encryption.", t.name, t.cfg.Method), t.cfg.DeclRange.Ptr()))
		}
	}
	return diags
}

func duplicate(what string, prev, rng hcl.Range) *hcl.Diagnostic {
	return errorAt("Duplicate "+what, fmt.Sprintf("%s is already declared at %s.", what, prev), rng.Ptr())
}

func errorAt(summary, detail string, rng *hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng}
}

func attrRange(c *hcl.BodyContent, name string, b *hcl.Block) *hcl.Range {
	if a, ok := c.Attributes[name]; ok {
		return a.Expr.Range().Ptr()
	}
	return b.DefRange.Ptr()
}

// Variables returns the references to variables (var.NAME) in the
// encryption block body, so that the caller can say which one is missing
// and where.
func Variables(body hcl.Body) []hcl.Traversal {
	var refs []hcl.Traversal
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		for _, a := range b.Attributes {
			for _, trav := range a.Expr.Variables() {
				if _, ok := varName(trav); ok {
					refs = append(refs, trav)
				}
			}
		}
		for _, blk := range b.Blocks {
			walk(blk.Body)
		}
	}
	if sb, ok := body.(*hclsyntax.Body); ok {
		walk(sb)
	}
	return refs
}

// varName returns NAME of a reference var.NAME.
func varName(trav hcl.Traversal) (string, bool) {
	if trav.RootName() != "var" || len(trav) < 2 {
		return "", false
	}
	attr, ok := trav[1].(hcl.TraverseAttr)
	return attr.Name, ok
}

// VariableName returns NAME of a reference var.NAME that Variables
// returned.
func VariableName(trav hcl.Traversal) string {
	name, _ := varName(trav)
	return name
}
