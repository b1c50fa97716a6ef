package command

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/state/encryption"
)

// EncryptionEnv holds an encryption block's content, in HCL or JSON, that
// is merged into the configuration's encryption block (or stands for it),
// its blocks replacing those of the same type and name, as OpenTofu's
// TF_ENCRYPTION.
const EncryptionEnv = "MLTF_ENCRYPTION"

// encryption decodes the configuration's encryption block merged with
// MLTF_ENCRYPTION (nil when there is neither). Its variables come from
// their defaults, mltf.mltfvars files and MLTF_VAR_NAME, not -var:
// commands that read state take no -var.
func (m *Meta) encryption(cfg *lang.Config) (*encryption.Config, hcl.Diagnostics) {
	var bodies []hcl.Body
	var rng hcl.Range
	if cfg != nil && cfg.Settings != nil && cfg.Settings.Encryption != nil {
		bodies, rng = append(bodies, cfg.Settings.Encryption.Body), cfg.Settings.Encryption.DeclRange
	}
	env, diags := m.encryptionEnv()
	if env != nil {
		if bodies == nil {
			rng = hcl.Range{Filename: EncryptionEnv, Start: hcl.InitialPos, End: hcl.InitialPos}
		}
		bodies = append(bodies, env)
	}
	if diags.HasErrors() || bodies == nil {
		return nil, diags
	}
	if cfg == nil {
		cfg = &lang.Config{}
	}
	raws, ds := lang.InputSources(m.WorkDir, m.Environ, nil)
	diags = append(diags, ds...)
	vals, ds := lang.VariableValues(cfg, raws)
	var refs []hcl.Traversal
	for _, b := range bodies {
		refs = append(refs, encryption.Variables(b)...)
	}
	for _, d := range ds {
		// Only the problems of the variables the block uses are its own.
		for _, ref := range refs {
			if v, ok := cfg.Variables[encryption.VariableName(ref)]; ok && d.Subject != nil && *d.Subject == v.DeclRange {
				diags = append(diags, d)
				break
			}
		}
	}
	for _, ref := range refs {
		name := encryption.VariableName(ref)
		if _, ok := cfg.Variables[name]; !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference to undeclared variable",
				Detail: fmt.Sprintf("The encryption block uses var.%s, which is not declared. Declare it with a variable block (sensitive = true).", name), Subject: ref.SourceRange().Ptr()})
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	enc, ds := encryption.DecodeLayers(bodies, rng, vals)
	return enc, append(diags, ds...)
}

// encryptionEnv parses MLTF_ENCRYPTION: nil when it is unset or empty.
func (m *Meta) encryptionEnv() (hcl.Body, hcl.Diagnostics) {
	var src string
	for _, kv := range m.Environ {
		if v, ok := strings.CutPrefix(kv, EncryptionEnv+"="); ok {
			src = v
		}
	}
	if strings.TrimSpace(src) == "" {
		return nil, nil
	}
	p := hclparse.NewParser()
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasPrefix(strings.TrimSpace(src), "{") {
		f, diags = p.ParseJSON([]byte(src), EncryptionEnv)
	} else {
		f, diags = p.ParseHCL([]byte(src), EncryptionEnv)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return f.Body, diags
}

// planEncryption returns what encrypts saved plans: the plan target of the
// working directory's encryption block, nil when there is none.
func (m *Meta) planEncryption() (*encryption.Target, error) {
	cfg, _ := m.loadConfig()
	enc, diags := m.encryption(cfg)
	if diags.HasErrors() {
		return nil, fmt.Errorf("the encryption block: %s", diags.Error())
	}
	return enc.Target("plan"), nil
}

// readPlanFile reads a saved plan, decrypting it with the working
// directory's encryption block.
func (m *Meta) readPlanFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	enc, err := m.planEncryption()
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	if enc == nil {
		if encryption.IsEncrypted(b) {
			return nil, fmt.Errorf("%s is an encrypted plan, and this configuration has no encryption block with a plan block to read it", path)
		}
		return b, nil
	}
	plain, _, err := enc.Decrypt(context.Background(), b)
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt the plan %s: %w", path, err)
	}
	return plain, nil
}

// sealPlan encrypts an encoded plan with the configuration's plan
// encryption, if any.
func (m *Meta) sealPlan(cfg *lang.Config, b []byte) ([]byte, error) {
	enc, diags := m.encryption(cfg)
	if diags.HasErrors() {
		return nil, fmt.Errorf("the encryption block: %s", diags.Error())
	}
	t := enc.Target("plan")
	if t == nil {
		return b, nil
	}
	defer t.Close()
	return t.Encrypt(context.Background(), b)
}
