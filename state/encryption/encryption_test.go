package encryption_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/state/encryption"
)

var ctx = context.Background()

// decode decodes src as the body of an encryption block.
func decode(t *testing.T, src string, vars map[string]cty.Value) (*encryption.Config, hcl.Diagnostics) {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "main.mltf.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return encryption.Decode(f.Body, f.Body.MissingItemRange(), vars)
}

func mustDecode(t *testing.T, src string) *encryption.Config {
	t.Helper()
	cfg, diags := decode(t, src, map[string]cty.Value{"passphrase": cty.StringVal("correct horse battery staple")})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

// A fixed test key for base64key://, 32 bytes.
const testKeeper = "base64key://smGbjm71Nxd1Ig5FS0wj9SlbzAIrnolCz9bQQ6uAhl4="

const pbkdf2Main = `
key_provider "pbkdf2" "main" {
  passphrase = var.passphrase
  iterations = 200000
}
method "aes_gcm" "main" { keys = key_provider.pbkdf2.main }
`

func TestRoundTrip(t *testing.T) {
	secret := []byte(`{"password": "hunter2-hunter2"}`)
	tests := []struct {
		name, src string
	}{
		{"pbkdf2", pbkdf2Main + `state { method = method.aes_gcm.main }`},
		{"keeper", `
key_provider "keeper" "kms" { url = "` + testKeeper + `" }
method "aes_gcm" "kms" { keys = key_provider.keeper.kms }
state {
  method   = method.aes_gcm.kms
  enforced = true
}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := mustDecode(t, tt.src).Target("state")
			defer target.Close()
			sealed, err := target.Encrypt(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(sealed, []byte("hunter2")) || !encryption.IsEncrypted(sealed) {
				t.Fatalf("encrypted object shows the plain text or is not an envelope: %s", sealed)
			}
			// A second process (a new target from the same configuration)
			// reads it.
			plain, current, err := mustDecode(t, tt.src).Target("state").Decrypt(ctx, sealed)
			if err != nil || !current || !bytes.Equal(plain, secret) {
				t.Errorf("Decrypt = %q, %v, %v; want the plain text, current", plain, current, err)
			}
		})
	}
}

func TestDecryptErrors(t *testing.T) {
	sealed, err := mustDecode(t, pbkdf2Main+`state { method = method.aes_gcm.main }`).Target("state").Encrypt(ctx, []byte(`{"a": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	otherPass := strings.Replace(pbkdf2Main, "var.passphrase", `"another passphrase of length"`, 1)
	tests := []struct {
		name, src string
		target    string
		data      []byte
		wantErr   string
	}{
		{"a changed passphrase", otherPass + `state { method = method.aes_gcm.main }`, "state", sealed,
			"method.aes_gcm.main does not decrypt it: wrong key: the key of key_provider.pbkdf2.main is not the one it was written with"},
		{"another method name", pbkdf2Main + `method "aes_gcm" "new" { keys = key_provider.pbkdf2.main }
state { method = method.aes_gcm.new }`, "state", sealed,
			"it was encrypted with method.aes_gcm.main (key_provider.pbkdf2.main), which the encryption block's state block does not use"},
		{"a state as a plan", pbkdf2Main + `plan { method = method.aes_gcm.main }`, "plan", sealed, "it is an encrypted state, not a plan"},
		{"plain text without the unencrypted fallback", pbkdf2Main + `state { method = method.aes_gcm.main }`, "state", []byte(`{"format_version": 1}`),
			"it is not encrypted, but the encryption block's state method is method.aes_gcm.main; to encrypt an existing state, add fallback { method = method.unencrypted.NAME }"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := mustDecode(t, tt.src).Target(tt.target).Decrypt(ctx, tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Decrypt error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestRotation reads through the fallback, says the data is not current,
// and writes under the new method.
func TestRotation(t *testing.T) {
	old := mustDecode(t, pbkdf2Main+`state { method = method.aes_gcm.main }`).Target("state")
	sealed, err := old.Encrypt(ctx, []byte(`{"a": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	rotated := mustDecode(t, pbkdf2Main+`
key_provider "keeper" "kms" { url = "`+testKeeper+`" }
method "aes_gcm" "kms" { keys = key_provider.keeper.kms }
state {
  method = method.aes_gcm.kms
  fallback { method = method.aes_gcm.main }
}`).Target("state")
	plain, current, err := rotated.Decrypt(ctx, sealed)
	if err != nil || current || string(plain) != `{"a": 1}` {
		t.Fatalf("Decrypt through the fallback = %q, current %v, %v; want the plain text, not current", plain, current, err)
	}
	again, err := rotated.Encrypt(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, current, err := rotated.Decrypt(ctx, again); err != nil || !current {
		t.Errorf("re-encrypted data: current %v, %v; want current", current, err)
	}
	if _, _, err := old.Decrypt(ctx, again); err == nil {
		t.Errorf("the old key still reads the re-encrypted data")
	}
}

func TestMigrateIn(t *testing.T) {
	target := mustDecode(t, pbkdf2Main+`
method "unencrypted" "migrate" {}
state {
  method = method.aes_gcm.main
  fallback { method = method.unencrypted.migrate }
}`).Target("state")
	plain, current, err := target.Decrypt(ctx, []byte(`{"format_version": 1}`))
	if err != nil || current || string(plain) != `{"format_version": 1}` {
		t.Errorf("Decrypt of plain text = %q, current %v, %v; want it unchanged, not current", plain, current, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, src, wantErr string
	}{
		{"short passphrase", `key_provider "pbkdf2" "k" { passphrase = "short" }`, "The passphrase of key_provider.pbkdf2.k has 5 characters; it needs at least 16"},
		{"few iterations", `key_provider "pbkdf2" "k" {
  passphrase = "a long enough passphrase"
  iterations = 1000
}`, "iterations of key_provider.pbkdf2.k is 1000; at least 200000"},
		{"unknown key provider type", `key_provider "vault" "k" {}`, `Key provider type "vault" is not known`},
		{"unknown method type", `method "aes_cbc" "m" {}`, `Method type "aes_cbc" is not known`},
		{"undeclared key provider", `method "aes_gcm" "m" { keys = key_provider.pbkdf2.nope }`, "method.aes_gcm.m uses key_provider.pbkdf2.nope, which is not declared"},
		{"not a reference", `method "aes_gcm" "m" { keys = "pbkdf2.k" }`, "This must refer to a key_provider block of the encryption block, like key_provider.pbkdf2.main"},
		{"undeclared method", `state { method = method.aes_gcm.nope }`, "The state block uses method.aes_gcm.nope, which is not declared"},
		{"enforced unencrypted", `method "unencrypted" "u" {}
plan {
  method   = method.unencrypted.u
  enforced = true
}`, "The plan block has enforced = true, which forbids writing it unencrypted"},
		{"two state blocks", pbkdf2Main + `state { method = method.aes_gcm.main }
state { method = method.aes_gcm.main }`, "Duplicate state block"},
		{"unknown variable", `key_provider "pbkdf2" "k" { passphrase = var.nope }`, "Unsupported attribute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := decode(t, tt.src, map[string]cty.Value{"passphrase": cty.StringVal("correct horse battery staple")})
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.wantErr) {
				t.Errorf("diagnostics = %v, want an error containing %q", diags, tt.wantErr)
			}
			for _, d := range diags {
				if d.Subject == nil || d.Subject.Filename != "main.mltf.hcl" {
					t.Errorf("diagnostic %q has no source range in the file", d.Summary)
				}
			}
		})
	}
}

// BenchmarkPBKDF2 measures what a process pays once for a pbkdf2 key with
// the default parameters, per hash function.
func BenchmarkPBKDF2(b *testing.B) {
	for _, h := range []string{"sha512", "sha256"} {
		b.Run(h, func(b *testing.B) {
			src := `
key_provider "pbkdf2" "main" {
  passphrase    = "a benchmark passphrase"
  hash_function = "` + h + `"
}
method "aes_gcm" "main" { keys = key_provider.pbkdf2.main }
state { method = method.aes_gcm.main }`
			f, _ := hclparse.NewParser().ParseHCL([]byte(src), "main.mltf.hcl")
			for b.Loop() {
				cfg, diags := encryption.Decode(f.Body, f.Body.MissingItemRange(), nil)
				if diags.HasErrors() {
					b.Fatal(diags)
				}
				if _, err := cfg.Target("state").Encrypt(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDecodeLayers merges a second body into the first, as MLTF_ENCRYPTION
// is merged into the configuration's block: its blocks replace those of the
// same type and name (the replaced ones are not even evaluated, so the
// passphrase the configuration reads from a variable without a value does
// not matter), references cross bodies, and a block defined twice in one
// body is still an error.
func TestDecodeLayers(t *testing.T) {
	parse := func(src, name string) hcl.Body {
		f, diags := hclparse.NewParser().ParseHCL([]byte(src), name)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return f.Body
	}
	code := parse(pbkdf2Main+`state { method = method.aes_gcm.main }`, "main.mltf.hcl")
	env := parse(`
key_provider "pbkdf2" "main" {
  passphrase = "a passphrase from the environment"
  iterations = 200000
}
plan { method = method.aes_gcm.main }
`, "MLTF_ENCRYPTION")
	cfg, diags := encryption.DecodeLayers([]hcl.Body{code, env}, hcl.Range{}, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := cfg.KeyProviders["pbkdf2.main"]; got.Passphrase != "a passphrase from the environment" || got.DeclRange.Filename != "MLTF_ENCRYPTION" {
		t.Errorf("key provider = %q from %s; want the environment's", got.Passphrase, got.DeclRange.Filename)
	}
	if cfg.State == nil || cfg.Plan == nil || cfg.Methods["aes_gcm.main"] == nil {
		t.Errorf("state %v, plan %v, method %v: want the configuration's state block and method, the environment's plan block", cfg.State, cfg.Plan, cfg.Methods)
	}
	sealed, err := cfg.Target("plan").Encrypt(ctx, []byte("plan"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cfg.Target("state").Decrypt(ctx, sealed); err == nil || !strings.Contains(err.Error(), "not a state") {
		t.Errorf("a plan read as state: %v", err)
	}

	twice := parse(`
state { method = method.aes_gcm.main }
state { method = method.aes_gcm.main }
`, "MLTF_ENCRYPTION")
	_, diags = encryption.DecodeLayers([]hcl.Body{code, twice}, hcl.Range{}, nil)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "Duplicate state block") {
		t.Errorf("a state block twice in one body: %v", diags)
	}
}

// TestEnvelopeLayouts reads an envelope as Encrypt writes it (its data
// decoded straight from base64) and the same envelope indented, as another
// JSON writer might lay it out (read through encoding/json): both give the
// plain text, and a header changed in either fails to decrypt.
func TestEnvelopeLayouts(t *testing.T) {
	target := mustDecode(t, pbkdf2Main+`state { method = method.aes_gcm.main }`).Target("state")
	defer target.Close()
	plain := bytes.Repeat([]byte(`{"password": "hunter2-hunter2"}`), 1000)
	sealed, err := target.Encrypt(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, sealed, "", "  "); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"as written": sealed, "indented": indented.Bytes()} {
		got, _, err := target.Decrypt(ctx, data)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s: Decrypt = %.40q, %v; want the plain text", name, got, err)
		}
		tampered := bytes.Replace(data, []byte(`"target":`), []byte(`"target" :`), 1)
		tampered = bytes.Replace(tampered, []byte(`aes_gcm.main`), []byte(`aes_gcm.mai2`), 1)
		if _, _, err := target.Decrypt(ctx, tampered); err == nil {
			t.Errorf("%s: a changed header decrypted", name)
		}
	}
}
