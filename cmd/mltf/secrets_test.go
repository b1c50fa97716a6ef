package main_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

// The secrets of these tests: a sensitive variable's value, and the
// values secret_env reads from the environment and from a file.
const (
	secretVar  = "SUPERSECRET-var-8c1f"
	secretEnv  = "SUPERSECRET-env-52aa"
	secretFile = "SUPERSECRET-file-9d03"
)

// trainPy prints its secrets (a rank that prints its environment is the
// user's business; mltf masks what it stores and shows) and reports
// their hashes as metrics-free lines the test checks.
const trainPy = `import hashlib, json, os
for name in ("API_TOKEN", "FILE_TOKEN", "OTHER"):
    v = os.environ.get(name, "")
    print("%s=%s sha=%s" % (name, v, hashlib.sha256(v.encode()).hexdigest()), flush=True)
print("params " + os.environ.get("MLTF_PARAMS", ""), flush=True)
print("mltf.metric " + json.dumps({"step": 1, "accuracy": 0.9}), flush=True)
`

const sensitiveConfig = `
mltf {
  state     { url = "file://.mltf/state" }
  tracking  { url = "sqlite://.mltf/tracking.db" }
  artifacts { url = "file://.mltf/artifacts" }
}
variable "token" {
  type      = string
  sensitive = true
}
locals {
  derived = { for k in ["a"] : k => upper("${var.token}-${k}") }
}
cluster "dev" {
  pool "cpu" { slots = 1 }
}
experiment "e" {}
training "t" {
  experiment = experiment.e
  pool       = cluster.dev.pool.cpu
  code       = "./src"
  command    = ["/usr/bin/python3", "train.py"]
  env        = { API_TOKEN = var.token, OTHER = local.derived["a"], PLAIN = "visible" }
  params     = { lr = 0.1, key = var.token }
}
output "env" {
  value     = training.t.env
  sensitive = true
}
`

const secretEnvConfig = `
mltf {
  state     { url = "file://.mltf/state" }
  tracking  { url = "sqlite://.mltf/tracking.db" }
  artifacts { url = "file://.mltf/artifacts" }
}
cluster "dev" {
  pool "cpu" { slots = 1 }
}
training "t" {
  pool       = cluster.dev.pool.cpu
  code       = "./src"
  command    = ["/usr/bin/python3", "train.py"]
  secret_env = { API_TOKEN = "env:TEST_API_TOKEN", FILE_TOKEN = "file:secrets/token" }
}
`

func secretDir(t *testing.T, config string) string {
	t.Helper()
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	dir := workdir(t, map[string]string{"main.mltf.hcl": config})
	for name, src := range map[string]string{"src/train.py": trainPy, "secrets/token": secretFile + "\n"} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mltf runs a command with env and fails unless it exits 0. Every word
// it prints is checked for the secrets.
func mltf(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	r := e2e.Run(t, dir, env, args...)
	if r.Code != 0 {
		t.Fatalf("mltf %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	out := r.Stdout + r.Stderr
	for _, s := range []string{secretVar, strings.ToUpper(secretVar), secretEnv, secretFile} {
		if strings.Contains(out, s) {
			t.Errorf("mltf %s shows a secret:\n%s", strings.Join(args, " "), out)
		}
	}
	return out
}

// filesWith lists the files under dir holding any of secrets.
func filesWith(t *testing.T, dir string, secrets ...string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				rel, _ := filepath.Rel(dir, path)
				found = append(found, filepath.ToSlash(rel))
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func runID(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, ".mltf", "runs"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("want one run directory: %v %v", entries, err)
	}
	return entries[0].Name()
}

// TestSensitiveNeverShown drives a sensitive variable through env (a map),
// a for expression and functions, params and an output, applies it with a
// real rank that prints it, and greps everything mltf prints and writes:
// the value is only in the state and the saved plan, as
// docs/language.md says.
func TestSensitiveNeverShown(t *testing.T) {
	dir := secretDir(t, sensitiveConfig)
	env := []string{"MLTF_VAR_token=" + secretVar}
	mltf(t, dir, env, "init")
	plan := mltf(t, dir, env, "plan")
	for _, want := range []string{"API_TOKEN = (sensitive value)", "OTHER = (sensitive value)", `PLAIN = "visible"`, "key = (sensitive value)"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %s:\n%s", want, plan)
		}
	}
	// The JSON documents hold values as they are, as Terraform's do,
	// and mark their paths.
	planJSON := e2e.Run(t, dir, env, "plan", "-json").Stdout
	if !strings.Contains(planJSON, `"API_TOKEN": true`) {
		t.Errorf("plan -json does not mark env[\"API_TOKEN\"]:\n%s", planJSON)
	}
	mltf(t, dir, env, "plan", "-out", "saved.plan")
	mltf(t, dir, env, "show", "saved.plan")
	mltf(t, dir, env, "apply", "saved.plan")
	mltf(t, dir, env, "show")
	if st := mltf(t, dir, env, "state", "show", "training.t"); !strings.Contains(st, "(sensitive value)") {
		t.Errorf("state show:\n%s", st)
	}
	id := runID(t, dir)
	if out := mltf(t, dir, env, "runs", "show", id); !regexp.MustCompile(`"key": ?"\(sensitive value\)"`).MatchString(out) {
		t.Errorf("runs show does not hide the param:\n%s", out)
	}
	mltf(t, dir, env, "runs", "list")
	logs := mltf(t, dir, env, "runs", "logs", id)
	// MLTF_PARAMS holds a sensitive value, so the whole of it is masked.
	for _, want := range []string{"API_TOKEN=(sensitive value) sha=" + sha(secretVar), "OTHER=(sensitive value)", "params (sensitive value)"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the rank's log lacks %s:\n%s", want, logs)
		}
	}
	if out := mltf(t, dir, env, "output"); !strings.Contains(out, "env = (sensitive value)") {
		t.Errorf("output:\n%s", out)
	}
	if out := mltf(t, dir, env, "output", "env"); out != "(sensitive value)\n" {
		t.Errorf("output env:\n%s", out)
	}
	if out := mltf(t, dir, env, "plan"); !strings.Contains(out, "No changes.") {
		t.Errorf("second plan:\n%s", out)
	}

	// Where the value is stored: the state (current and history) and
	// the saved plan, both owner-only, and nowhere else: not the
	// tracking database, not the run directory.
	for _, f := range filesWith(t, dir, secretVar, strings.ToUpper(secretVar)) {
		if f != "saved.plan" && !strings.HasPrefix(f, ".mltf/state/") {
			t.Errorf("%s holds the secret", f)
		}
	}
	for _, f := range []string{"saved.plan", ".mltf/state/default/state.json"} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", f, perm)
		}
	}
}

// TestSecretEnvNeverStored: secret_env's values reach the ranks and are
// found nowhere mltf writes or prints; a new token is not a new run.
func TestSecretEnvNeverStored(t *testing.T) {
	dir := secretDir(t, secretEnvConfig)
	env := []string{"TEST_API_TOKEN=" + secretEnv}
	mltf(t, dir, env, "init")
	plan := mltf(t, dir, env, "plan", "-out", "saved.plan")
	if !strings.Contains(plan, `API_TOKEN = "env:TEST_API_TOKEN"`) {
		t.Errorf("plan does not show the reference:\n%s", plan)
	}
	mltf(t, dir, env, "apply", "saved.plan")
	mltf(t, dir, env, "show")
	mltf(t, dir, env, "state", "show", "training.t")
	id := runID(t, dir)
	mltf(t, dir, env, "runs", "show", id)
	logs := mltf(t, dir, env, "runs", "logs", id)
	for _, want := range []string{"API_TOKEN=(sensitive value) sha=" + sha(secretEnv), "FILE_TOKEN=(sensitive value) sha=" + sha(secretFile)} {
		if !strings.Contains(logs, want) {
			t.Errorf("the rank's log lacks %s:\n%s", want, logs)
		}
	}
	if f := filesWith(t, dir, secretEnv, secretFile); len(f) != 1 || f[0] != "secrets/token" {
		t.Errorf("files holding a secret: %v, want only the user's secrets/token", f)
	}
	// The fingerprint takes the reference: another token, same run.
	if out := mltf(t, dir, []string{"TEST_API_TOKEN=another-token-value"}, "plan"); !strings.Contains(out, "No changes.") {
		t.Errorf("a new token plans a change:\n%s", out)
	}
	// Without the variable, a launch fails and says why.
	if err := os.WriteFile(filepath.Join(dir, "src", "train.py"), []byte(trainPy+"# v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e2e.Run(t, dir, nil, "apply", "-auto-approve")
	if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, "TEST_API_TOKEN is not set") {
		t.Errorf("apply without the variable: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}
