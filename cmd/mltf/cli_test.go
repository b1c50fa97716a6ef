package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

const experiments = `
variable "tag" {
  type    = string
  default = "a"
}
variable "token" {
  default   = "s3cret"
  sensitive = true
}
locals { team = "vision" }
experiment "base" {
  description = "base ${var.tag}"
  tags        = { team = local.team }
}
experiment "many" {
  count = 2
  tags  = { parent = experiment.base.id }
}
output "base_id" { value = experiment.base.id }
output "token" {
  value     = var.token
  sensitive = true
}
`

func workdir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCoreWorkflow(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": experiments})
	e2e.Must(t, dir, 0, "init")
	e2e.Must(t, dir, 0, "validate")
	plan := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode")
	for _, want := range []string{"experiment.base will be created", "(known after apply)", "Plan: 3 to add, 0 to change, 0 to destroy.", "token = (sensitive value)"} {
		if !strings.Contains(plan.Stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, plan.Stdout)
		}
	}
	e2e.Must(t, dir, 0, "apply", "-auto-approve")
	e2e.Must(t, dir, 0, "plan", "-detailed-exitcode")

	t.Run("outputs", func(t *testing.T) {
		raw := e2e.Must(t, dir, 0, "output", "-raw", "token")
		if raw.Stdout != "s3cret" {
			t.Errorf("output -raw token = %q", raw.Stdout)
		}
		all := e2e.Must(t, dir, 0, "output")
		if !strings.Contains(all.Stdout, "token = (sensitive value)") {
			t.Errorf("output hides nothing:\n%s", all.Stdout)
		}
		js := e2e.Must(t, dir, 0, "output", "-json")
		var m struct {
			FormatVersion string                    `json:"format_version"`
			Outputs       map[string]map[string]any `json:"outputs"`
		}
		if err := json.Unmarshal([]byte(js.Stdout), &m); err != nil || m.FormatVersion != "1.0" || m.Outputs["base_id"]["value"] == nil {
			t.Errorf("output -json: %v\n%s", err, js.Stdout)
		}
	})
	t.Run("state commands", func(t *testing.T) {
		list := e2e.Must(t, dir, 0, "state", "list")
		if list.Stdout != "experiment.base\nexperiment.many[0]\nexperiment.many[1]\n" {
			t.Errorf("state list:\n%s", list.Stdout)
		}
		e2e.Must(t, dir, 0, "state", "show", "experiment.many[1]")
		e2e.Must(t, dir, 0, "state", "mv", "experiment.many[1]", "experiment.moved")
		e2e.Must(t, dir, 0, "state", "rm", "experiment.moved")
		hist := e2e.Must(t, dir, 0, "state", "history")
		if strings.Count(hist.Stdout, "\n") < 3 {
			t.Errorf("state history keeps every serial:\n%s", hist.Stdout)
		}
		old := e2e.Must(t, dir, 0, "state", "pull", "-serial", "1")
		if !strings.Contains(old.Stdout, `"experiment.many"`) {
			t.Errorf("serial 1:\n%s", old.Stdout)
		}
		// The forgotten instance is planned again.
		plan := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode")
		if !strings.Contains(plan.Stdout, "experiment.many[1] will be created") {
			t.Errorf("plan after state rm:\n%s", plan.Stdout)
		}
		e2e.Must(t, dir, 0, "apply", "-auto-approve")
	})
	t.Run("variable change and saved plan", func(t *testing.T) {
		planFile := filepath.Join(t.TempDir(), "plan.out")
		p := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode", "-var", "tag=b", "-out", planFile)
		if !strings.Contains(p.Stdout, `~ description = "base a" -> "base b"`) {
			t.Errorf("plan:\n%s", p.Stdout)
		}
		js := e2e.Must(t, dir, 0, "show", "-json", planFile)
		var doc struct {
			FormatVersion string `json:"format_version"`
			PriorState    struct {
				Digest string `json:"digest"`
			} `json:"prior_state"`
			Changes []struct {
				Address string `json:"address"`
				Change  struct {
					Actions []string `json:"actions"`
				} `json:"change"`
			} `json:"resource_changes"`
		}
		if err := json.Unmarshal([]byte(js.Stdout), &doc); err != nil || doc.FormatVersion != "1.0" {
			t.Fatalf("show -json: %v\n%s", err, js.Stdout)
		}
		// The saved plan says which state it was made against, as apply
		// of it checks: a hex SHA-256.
		if d := doc.PriorState.Digest; len(d) != 64 || strings.Trim(d, "0123456789abcdef") != "" {
			t.Errorf("show -json of a saved plan: prior_state.digest %q, want a hex SHA-256", d)
		}
		e2e.Must(t, dir, 0, "apply", planFile)
		stale := e2e.Must(t, dir, 1, "apply", planFile)
		if !strings.Contains(stale.Stderr, "Saved plan is stale") {
			t.Errorf("applying a stale plan:\n%s", stale.Stderr)
		}
	})
	t.Run("workspaces", func(t *testing.T) {
		e2e.Must(t, dir, 0, "workspace", "new", "staging")
		show := e2e.Must(t, dir, 0, "workspace", "show")
		if strings.TrimSpace(show.Stdout) != "staging" {
			t.Errorf("workspace show = %q", show.Stdout)
		}
		plan := e2e.Must(t, dir, 2, "plan", "-detailed-exitcode")
		if !strings.Contains(plan.Stdout, "Plan: 3 to add") {
			t.Errorf("a new workspace starts empty:\n%s", plan.Stdout)
		}
		e2e.Must(t, dir, 0, "workspace", "select", "default")
		e2e.Must(t, dir, 0, "workspace", "delete", "staging")
		list := e2e.Must(t, dir, 0, "workspace", "list")
		if strings.Contains(list.Stdout, "staging") {
			t.Errorf("workspace list after delete:\n%s", list.Stdout)
		}
	})
	t.Run("graph", func(t *testing.T) {
		g := e2e.Must(t, dir, 0, "graph")
		if !strings.Contains(g.Stdout, `"experiment.many" -> "experiment.base"`) {
			t.Errorf("graph:\n%s", g.Stdout)
		}
	})
	t.Run("destroy", func(t *testing.T) {
		e2e.Must(t, dir, 0, "destroy", "-auto-approve")
		list := e2e.Must(t, dir, 0, "state", "list")
		if list.Stdout != "" {
			t.Errorf("state after destroy:\n%s", list.Stdout)
		}
	})
}

func TestUserErrors(t *testing.T) {
	cases := []struct {
		name   string
		files  map[string]string
		args   []string
		code   int
		stderr []string
	}{
		{
			name:   "no configuration",
			files:  map[string]string{"README": "x"},
			args:   []string{"plan"},
			code:   1,
			stderr: []string{"No configuration files"},
		},
		{
			name:   "undeclared variable value",
			files:  map[string]string{"main.mltf.hcl": experiments},
			args:   []string{"plan", "-var", "nope=1"},
			code:   1,
			stderr: []string{"Value for undeclared variable", `"nope"`},
		},
		{
			name:   "missing required variable",
			files:  map[string]string{"main.mltf.hcl": "variable \"x\" {}\nexperiment \"a\" { description = var.x }\n"},
			args:   []string{"plan"},
			code:   1,
			stderr: []string{"No value for required variable", "main.mltf.hcl:1", "MLTF_VAR_x"},
		},
		{
			name:   "validation rule",
			files:  map[string]string{"main.mltf.hcl": "variable \"lr\" {\n  type = number\n  validation {\n    condition = var.lr < 1\n    error_message = \"lr must be below 1.\"\n  }\n}\n"},
			args:   []string{"plan", "-var", "lr=2"},
			code:   1,
			stderr: []string{"lr must be below 1.", "main.mltf.hcl:4"},
		},
		{
			name:   "misspelled bundled provider",
			files:  map[string]string{"main.mltf.hcl": "cluster \"k\" {\n  provider = kubernets\n}\n"},
			args:   []string{"validate"},
			code:   1,
			stderr: []string{`Cannot start provider "kubernets"`, "main.mltf.hcl:2", "Did you mean kubernetes?"},
		},
		{
			name:   "syntax error with source line",
			files:  map[string]string{"main.mltf.hcl": "experiment \"a\" {\n  description = \n}\n"},
			args:   []string{"validate"},
			code:   1,
			stderr: []string{"main.mltf.hcl:2", "description ="},
		},
		{
			name:   "apply without approval off a terminal",
			files:  map[string]string{"main.mltf.hcl": experiments},
			args:   []string{"apply"},
			code:   1,
			stderr: []string{"-auto-approve"},
		},
		{
			name:   "bad target",
			files:  map[string]string{"main.mltf.hcl": experiments},
			args:   []string{"plan", "-target", "nonsense["},
			code:   1,
			stderr: []string{"Invalid address"},
		},
		{
			name:   "bad plan file",
			files:  map[string]string{"main.mltf.hcl": experiments, "plan.out": "garbage"},
			args:   []string{"apply", "plan.out"},
			code:   1,
			stderr: []string{"Invalid plan file"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := workdir(t, tc.files)
			r := e2e.Run(t, dir, nil, tc.args...)
			if r.Code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.Code, tc.code, r.Stdout, r.Stderr)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
				}
			}
			if strings.Contains(r.Stderr, "panic") || strings.Contains(r.Stderr, "goroutine ") {
				t.Errorf("a user error must never show a panic:\n%s", r.Stderr)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": "experiment \"a\" {\n  colour = 1\n}\n"})
	r := e2e.Must(t, dir, 1, "validate", "-json")
	var doc struct {
		Valid       bool `json:"valid"`
		Diagnostics []struct {
			Summary string `json:"summary"`
			Range   struct {
				Filename string             `json:"filename"`
				Start    struct{ Line int } `json:"start"`
			} `json:"range"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.Stdout)
	}
	if doc.Valid || len(doc.Diagnostics) != 1 || doc.Diagnostics[0].Range.Start.Line != 2 {
		t.Errorf("validate -json: %+v", doc)
	}
}

func TestFmt(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": "experiment \"a\" {\ndescription=\"x\"\n}\n"})
	r := e2e.Must(t, dir, 3, "fmt", "-check", "-diff")
	if !strings.Contains(r.Stdout, "--- old/main.mltf.hcl\n+++ new/main.mltf.hcl\n") || strings.Contains(r.Stdout, dir) {
		t.Errorf("fmt -diff does not name the file relative to the working directory:\n%s", r.Stdout)
	}
	e2e.Must(t, dir, 0, "fmt")
	e2e.Must(t, dir, 0, "fmt", "-check")
	b, _ := os.ReadFile(filepath.Join(dir, "main.mltf.hcl"))
	if !strings.Contains(string(b), `  description = "x"`) {
		t.Errorf("formatted:\n%s", b)
	}

	bad := workdir(t, map[string]string{"main.mltf.hcl": "experiment \"a\" {\n  description = \"x\"\n  tags = [\n}\n"})
	r = e2e.Must(t, bad, 2, "fmt", "-check")
	if !strings.Contains(r.Stderr, "on main.mltf.hcl:") || !strings.Contains(r.Stderr, `   4 | }`) {
		t.Errorf("a syntax error does not show the file relative to the working directory and the snippet:\n%s", r.Stderr)
	}
}

func TestChdir(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": experiments})
	e2e.Must(t, t.TempDir(), 0, "-chdir="+dir, "validate")
}
