package main_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

const encryptedConfig = `
variable "passphrase" {
  type      = string
  sensitive = true
}
variable "token" {
  default   = "tok-5f1e-very-secret"
  sensitive = true
}
mltf {
  encryption {
    key_provider "pbkdf2" "main" {
      passphrase = var.passphrase
      iterations = 200000
    }
    method "aes_gcm" "main" { keys = key_provider.pbkdf2.main }
    state {
      method   = method.aes_gcm.main
      enforced = true
    }
    plan {
      method   = method.aes_gcm.main
      enforced = true
    }
  }
}
experiment "e" {}
output "token" {
  value     = var.token
  sensitive = true
}
`

// rotatedConfig moves to a keeper key and keeps the passphrase as the
// fallback.
var rotatedConfig = strings.Replace(encryptedConfig, `    state {
      method   = method.aes_gcm.main`, `    key_provider "keeper" "kms" { url = "base64key://smGbjm71Nxd1Ig5FS0wj9SlbzAIrnolCz9bQQ6uAhl4=" }
    method "aes_gcm" "kms" { keys = key_provider.keeper.kms }
    state {
      fallback { method = method.aes_gcm.main }
      method   = method.aes_gcm.kms`, 1)

// grepTree fails for every file under dir that holds one of secrets.
func grepTree(t *testing.T, dir string, secrets ...string) (files int) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files++
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q in plain text", path, s)
			}
		}
		return nil
	})
	return files
}

func TestEncryptedStateAndPlan(t *testing.T) {
	const passphrase = "a passphrase of some length"
	dir := workdir(t, map[string]string{"main.mltf.hcl": encryptedConfig})
	env := []string{"MLTF_VAR_passphrase=" + passphrase}
	secrets := []string{"tok-5f1e-very-secret", passphrase}
	e2e.RunEnv(t, dir, env, 0, "init")
	e2e.RunEnv(t, dir, env, 0, "plan", "-out", "saved.plan")
	shown := e2e.RunEnv(t, dir, env, 0, "show", "saved.plan")
	if !strings.Contains(shown.Stdout, "experiment.e") {
		t.Errorf("show of the encrypted plan:\n%s", shown.Stdout)
	}
	grepTree(t, filepath.Join(dir, "saved.plan"), secrets...)
	e2e.RunEnv(t, dir, env, 0, "apply", "saved.plan")
	if n := grepTree(t, filepath.Join(dir, ".mltf", "state"), secrets...); n < 2 {
		t.Errorf("the state store holds %d files; want a state and its history", n)
	}
	if out := e2e.RunEnv(t, dir, env, 0, "output", "-raw", "token"); out.Stdout != "tok-5f1e-very-secret" {
		t.Errorf("output -raw token = %q", out.Stdout)
	}

	// Without the passphrase nothing reads; with a wrong one, the message
	// says why.
	wrong := e2e.RunEnv(t, dir, []string{"MLTF_VAR_passphrase=not the passphrase at all"}, 1, "state", "list")
	if !strings.Contains(wrong.Stderr, "does not decrypt it") {
		t.Errorf("state list with a wrong passphrase:\n%s", wrong.Stderr)
	}
	missing := e2e.RunEnv(t, dir, nil, 1, "state", "list")
	if !strings.Contains(missing.Stderr, `No value for required variable`) {
		t.Errorf("state list without the passphrase:\n%s", missing.Stderr)
	}

	// Rotation: a new key, the old one as the fallback, one apply.
	if err := os.WriteFile(filepath.Join(dir, "main.mltf.hcl"), []byte(rotatedConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	e2e.RunEnv(t, dir, env, 0, "apply", "-auto-approve")
	filepath.WalkDir(filepath.Join(dir, ".mltf", "state"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") || strings.HasSuffix(path, "lock.json") {
			return err
		}
		b, _ := os.ReadFile(path)
		if !bytes.Contains(b, []byte(`"method":"method.aes_gcm.kms"`)) {
			t.Errorf("%s is not under the new key after the rotation: %.100s", path, b)
		}
		return nil
	})
}

// TestEncryptionFromEnvironment encrypts the state of a configuration
// without an encryption block through MLTF_ENCRYPTION, in HCL, and reads
// it back with the same block in JSON.
func TestEncryptionFromEnvironment(t *testing.T) {
	const passphrase = "a passphrase from the environment"
	dir := workdir(t, map[string]string{"main.mltf.hcl": `
variable "token" {
  default   = "tok-77aa-very-secret"
  sensitive = true
}
experiment "e" {}
output "token" {
  value     = var.token
  sensitive = true
}
`})
	hclEnv := []string{`MLTF_ENCRYPTION=
key_provider "pbkdf2" "env" {
  passphrase = "` + passphrase + `"
  iterations = 200000
}
method "aes_gcm" "env" { keys = key_provider.pbkdf2.env }
state {
  method   = method.aes_gcm.env
  enforced = true
}`}
	jsonEnv := []string{`MLTF_ENCRYPTION={
  "key_provider": {"pbkdf2": {"env": {"passphrase": "` + passphrase + `", "iterations": 200000}}},
  "method": {"aes_gcm": {"env": {"keys": "key_provider.pbkdf2.env"}}},
  "state": {"method": "method.aes_gcm.env", "enforced": true}
}`}
	e2e.RunEnv(t, dir, hclEnv, 0, "init")
	e2e.RunEnv(t, dir, hclEnv, 0, "apply", "-auto-approve")
	if n := grepTree(t, filepath.Join(dir, ".mltf", "state"), "tok-77aa-very-secret", passphrase); n < 2 {
		t.Errorf("the state store holds %d files; want a state and its history", n)
	}
	if out := e2e.RunEnv(t, dir, jsonEnv, 0, "output", "-raw", "token"); out.Stdout != "tok-77aa-very-secret" {
		t.Errorf("output -raw token with the block in JSON = %q", out.Stdout)
	}
	plain := e2e.RunEnv(t, dir, nil, 1, "state", "list")
	if !strings.Contains(plain.Stderr, "encrypt") {
		t.Errorf("state list without MLTF_ENCRYPTION:\n%s", plain.Stderr)
	}
	bad := e2e.RunEnv(t, dir, []string{"MLTF_ENCRYPTION=state {"}, 1, "state", "list")
	if !strings.Contains(bad.Stderr, "MLTF_ENCRYPTION:1") {
		t.Errorf("state list with a malformed MLTF_ENCRYPTION:\n%s", bad.Stderr)
	}
}
