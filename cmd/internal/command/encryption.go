package command

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/state/encryption"
)

// encryption decodes the configuration's encryption block (nil when it has
// none). Its variables come from their defaults, mltf.mltfvars files and
// MLTF_VAR_NAME, not -var: commands that read state take no -var.
func (m *Meta) encryption(cfg *lang.Config) (*encryption.Config, hcl.Diagnostics) {
	if cfg == nil || cfg.Settings == nil || cfg.Settings.Encryption == nil {
		return nil, nil
	}
	blk := cfg.Settings.Encryption
	raws, diags := lang.InputSources(m.WorkDir, m.Environ, nil)
	vals, ds := lang.VariableValues(cfg, raws)
	refs := encryption.Variables(blk.Body)
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
	enc, ds := encryption.Decode(blk.Body, blk.DeclRange, vals)
	return enc, append(diags, ds...)
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
