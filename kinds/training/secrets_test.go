package training

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/zclconf/go-cty/cty"
)

// TestSecretEnvFingerprint: the fingerprint takes secret_env's
// references, so a new token (same reference) is the same run and a new
// reference is a new one.
func TestSecretEnvFingerprint(t *testing.T) {
	fp := func(set map[string]cty.Value) string {
		t.Helper()
		d := &ctyval.Decoder{V: with(fixedConfig(), set)}
		c := Decode(d, Rules{})
		c.Finish(d)
		if d.Diags.HasErrors() {
			t.Fatal(d.Diags)
		}
		p, err := PlanInputs(c, c.BackendFor(false), "testdata", true)
		if err != nil {
			t.Fatal(err)
		}
		return p.Inputs.Fingerprint()
	}
	ref := func(r string) map[string]cty.Value {
		return map[string]cty.Value{"secret_env": cty.MapVal(map[string]cty.Value{"API_TOKEN": cty.StringVal(r)})}
	}
	none := fp(nil)
	if got := fp(map[string]cty.Value{"secret_env": cty.MapValEmpty(cty.String)}); got != none {
		t.Error("an empty secret_env changes the fingerprint")
	}
	a := fp(ref("env:TOKEN"))
	t.Setenv("TOKEN", "one")
	if fp(ref("env:TOKEN")) != a {
		t.Error("the token's value changes the fingerprint")
	}
	if a == none || fp(ref("env:OTHER")) == a {
		t.Error("the reference does not enter the fingerprint")
	}
}

func TestResolveSecretEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tok"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MLTF_TEST_TOKEN", "from-env")
	c := &Config{SecretEnv: map[string]string{"A": "env:MLTF_TEST_TOKEN", "B": "file:tok"}}
	got, err := c.ResolveSecretEnv(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]string{"A": "from-env", "B": "from-file"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	for _, ref := range []string{"env:MLTF_TEST_UNSET_TOKEN", "file:missing", "secret:s/k"} {
		c := &Config{SecretEnv: map[string]string{"A": ref}}
		if _, err := c.ResolveSecretEnv(dir); err == nil {
			t.Errorf("%s resolved locally", ref)
		}
	}
}

// TestTrackedParams: tracking and run metadata see sensitive params as
// (sensitive value); the ranks get MLTF_PARAMS only through the secret
// variables.
func TestTrackedParams(t *testing.T) {
	c := &Config{
		Params: cty.ObjectVal(map[string]cty.Value{"lr": cty.NumberFloatVal(0.1), "key": cty.StringVal("hunter2hunter")}),
		Env:    map[string]string{"API_TOKEN": "hunter2hunter", "PLAIN": "p"},
	}
	sec := SecretsOf([]cty.Path{
		cty.GetAttrPath("params").GetAttr("key"),
		cty.GetAttrPath("env").Index(cty.StringVal("API_TOKEN")),
	})
	got, err := c.TrackedParams(sec)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"key":"(sensitive value)","lr":0.1}`; string(got) != want {
		t.Errorf("tracked params %s, want %s", got, want)
	}
	plain, secret := c.LaunchEnv(sec, []byte(`{"key":"hunter2hunter","lr":0.1}`))
	if d := cmp.Diff(map[string]string{"PLAIN": "p"}, plain); d != "" {
		t.Errorf("plain (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"API_TOKEN": "hunter2hunter", "MLTF_PARAMS": `{"key":"hunter2hunter","lr":0.1}`}, secret); d != "" {
		t.Errorf("secret (-want +got):\n%s", d)
	}
}
