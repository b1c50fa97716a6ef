package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers/ctyval"
)

// shellWork makes a working directory whose code is one file.
func shellWork(t testing.TB) (workDir, runsDir string) {
	root := t.TempDir()
	workDir = filepath.Join(root, "work")
	os.MkdirAll(filepath.Join(workDir, "code"), 0o755)
	os.WriteFile(filepath.Join(workDir, "code", "train.sh"), []byte("echo hi\n"), 0o644)
	return workDir, filepath.Join(root, "runs")
}

func shellVars(pool cty.Value, script string) map[string]cty.Value {
	return map[string]cty.Value{
		"pool": pool, "script": cty.StringVal(script), "x": cty.NumberFloatVal(0.05),
		"procs": cty.NumberIntVal(2), "user_error": cty.NumberIntVal(0), "hang": cty.StringVal("30s"),
	}
}

func with(vars map[string]cty.Value, k string, v cty.Value) map[string]cty.Value {
	out := map[string]cty.Value{}
	for a, b := range vars {
		out[a] = b
	}
	out[k] = v
	return out
}

func TestPlanReasons(t *testing.T) {
	work, runs := shellWork(t)
	h := newHarness(t, work, runs)
	vars := shellVars(h.pool("cpu", 4), "true")
	base := h.plan(null(), config(t, "shell.mltf.hcl", vars))
	if base.Diagnostics.HasErrors() {
		t.Fatal(base.Diagnostics)
	}
	if d := cmp.Diff([]string{"new run: 1 node × 2 procs (gloo)"}, base.Reasons); d != "" {
		t.Errorf("create reasons (-want +got):\n%s", d)
	}
	// The prior: the planned value as a finished run.
	prior := instance{Value: ctyval.With(base.Planned, training.RunFacts{RunID: "3f2a9c0011", Fingerprint: str(base.Planned, "fingerprint"),
		Status: training.StatusFinished}.Values()), Private: base.PlannedPrivate}

	cases := []struct {
		name        string
		vars        map[string]cty.Value
		edit        func()
		wantReasons []string
		wantReplace bool
		wantEqual   bool
	}{
		{name: "unchanged is equal to the prior", vars: vars, wantEqual: true},
		{name: "a param", vars: with(vars, "x", cty.NumberFloatVal(0.1)), wantReasons: []string{"params.x 0.05 -> 0.1"}, wantReplace: true},
		{name: "the command", vars: with(vars, "script", cty.StringVal("false")), wantReasons: []string{"command [/bin/sh -c true] -> [/bin/sh -c false]"}, wantReplace: true},
		{name: "the shape", vars: with(vars, "procs", cty.NumberIntVal(4)), wantReasons: []string{"distributed 1 node × 2 procs (gloo) -> 1 node × 4 procs (gloo)"}, wantReplace: true},
		{name: "a policy changes in place", vars: with(vars, "hang", cty.StringVal("1m"))},
		{name: "the code", vars: vars, edit: func() {
			os.WriteFile(filepath.Join(work, "code", "train.sh"), []byte("echo changed\n"), 0o644)
			os.WriteFile(filepath.Join(work, "code", "lib.sh"), []byte("x=1\n"), 0o644)
		}, wantReasons: []string{"code changed (2 files)"}, wantReplace: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.edit != nil {
				tc.edit()
			}
			pr := h.plan(prior, config(t, "shell.mltf.hcl", tc.vars))
			if pr.Diagnostics.HasErrors() {
				t.Fatal(pr.Diagnostics)
			}
			if d := cmp.Diff(tc.wantReasons, pr.Reasons); d != "" {
				t.Errorf("reasons (-want +got):\n%s", d)
			}
			if got := len(pr.RequiresReplace) > 0; got != tc.wantReplace {
				t.Errorf("replace = %v, want %v", got, tc.wantReplace)
			}
			if got := pr.Planned.RawEquals(prior.Value); got != tc.wantEqual {
				t.Errorf("planned equals prior = %v, want %v", got, tc.wantEqual)
			}
		})
	}
}

func TestValidateConfig(t *testing.T) {
	work, runs := shellWork(t)
	h := newHarness(t, work, runs)
	pool := h.pool("cpu", 2)
	vars := shellVars(pool, "true")
	cases := []struct {
		name string
		vars map[string]cty.Value
		want []string // "attribute: summary"
	}{
		{"valid", vars, nil},
		{"bad duration", with(vars, "hang", cty.StringVal("soon")), []string{"hang_timeout: Invalid duration"}},
		{"negative duration", with(vars, "hang", cty.StringVal("-1s")), []string{"hang_timeout: Invalid duration"}},
		{"more ranks than slots", with(vars, "procs", cty.NumberIntVal(3)), []string{"distributed: Training does not fit its pool"}},
		{"fractional procs", with(vars, "procs", cty.NumberFloatVal(1.5)), []string{"distributed.procs_per_node: Invalid distributed.procs_per_node"}},
		{"negative budget", with(vars, "user_error", cty.NumberIntVal(-1)), []string{"retry.user_error: Invalid retry.user_error"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.p.ValidateConfig(t.Context(), validateReq(config(t, "shell.mltf.hcl", tc.vars)))
			var got []string
			for _, d := range r.Diagnostics {
				got = append(got, schema.FormatPath(d.Attribute)+": "+d.Summary)
				if d.Detail == "" || strings.Contains(d.Detail, "%!") {
					t.Errorf("diagnostic %q has a bad detail %q", d.Summary, d.Detail)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("diagnostics (-want +got):\n%s", d)
			}
		})
	}
}
