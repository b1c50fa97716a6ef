package training

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/zclconf/go-cty/cty"
)

// fixedConfig is a training with every input set; its fingerprint is
// pinned below.
func fixedConfig() cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"code":    cty.StringVal("code"),
		"command": cty.ListVal([]cty.Value{cty.StringVal("python3"), cty.StringVal("train.py")}),
		"env":     cty.MapVal(map[string]cty.Value{"SEED": cty.StringVal("7")}),
		"image":   cty.StringVal("pytorch/pytorch:2.4.0"),
		"params":  cty.ObjectVal(map[string]cty.Value{"lr": cty.NumberFloatVal(0.05), "epochs": cty.NumberIntVal(20)}),
		"data": cty.ObjectVal(map[string]cty.Value{
			"train": cty.StringVal("digits.csv"),
			"test":  cty.StringVal("s3://bucket/test.csv"),
			"ds":    cty.ObjectVal(map[string]cty.Value{"source": cty.StringVal("s3://b/x"), "fingerprint": cty.StringVal("abc123")}),
		}),
		"distributed": cty.ObjectVal(map[string]cty.Value{"nodes": cty.NumberIntVal(2), "procs_per_node": cty.NumberIntVal(2)}),
		"pool":        cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("cpu")}),
	})
}

// TestFingerprintPinned pins the fingerprint of a fixed configuration, as
// both providers computed it before they shared this package. If it
// changes, every user's trainings would plan to train again: don't.
func TestFingerprintPinned(t *testing.T) {
	const (
		wantFingerprint = "79737ab0632685ca3b02c54fcc99d2379dbb86bb162254f3d38d591d3cdd19f7"
		wantCode        = "c177ac39a128e715204cc09633300558f784fa36b05edc8af52fa66d62838194"
	)
	wantData := map[string]string{
		"ds":    "abc123",
		"test":  "fb420ab52de0ed469f3738b0358eb6641f6626e4cbfb5a79c97b3b9b3f9bcbbf",
		"train": "96bbd5de61f36b0e10c5771d180998d066192e8986aa34a8cb7c453f62959274",
	}
	tests := []struct {
		name       string
		rules      Rules
		localPaths bool
	}{
		{"local", Rules{Locations: []string{"path", "source", "uri", "url"}}, true},
		{"kubernetes", Rules{MasterPort: 29500, Locations: []string{"source", "uri", "url", "path"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &ctyval.Decoder{V: fixedConfig()}
			c := Decode(d, tc.rules)
			c.Finish(d)
			if d.Diags.HasErrors() {
				t.Fatal(d.Diags)
			}
			p, err := PlanInputs(c, c.BackendFor(false), "testdata", tc.localPaths)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Inputs.Fingerprint(); got != wantFingerprint {
				t.Errorf("fingerprint = %s, want %s", got, wantFingerprint)
			}
			if got := p.Code.Sum(); got != wantCode {
				t.Errorf("code sum = %s, want %s", got, wantCode)
			}
			if d := cmp.Diff(wantData, p.Inputs.Data); d != "" {
				t.Errorf("data fingerprints (-want +got):\n%s", d)
			}
		})
	}
}

func TestChangeReasons(t *testing.T) {
	d := &ctyval.Decoder{V: fixedConfig()}
	c := Decode(d, Rules{Locations: []string{"source"}})
	c.Finish(d)
	p, err := PlanInputs(c, c.BackendFor(false), "testdata", false)
	if err != nil {
		t.Fatal(err)
	}
	old := *p.Inputs
	old.Code = "x"
	old.Command = []string{"python3", "old.py"}
	old.Env = map[string]string{"SEED": "1", "X": "y"}
	old.Params = json.RawMessage(`{"lr":0.1,"epochs":20,"opt":{"m":0.9}}`)
	old.Data = map[string]string{"train": "00000000aa", "gone": "x"}
	old.Image = "img:1"
	old.Nodes = 1

	rest := []string{
		"command [python3 old.py] -> [python3 train.py]",
		`env.SEED "1" -> "7"`,
		"env.X removed",
		"params.lr 0.1 -> 0.05",
		"params.opt.m removed (was 0.9)",
		"data.ds added",
		"data.gone removed",
		"data.test added",
		"data.train fingerprint 00000000 -> 96bbd5de",
		`image "img:1" -> "pytorch/pytorch:2.4.0"`,
		"distributed 1 node × 2 procs (gloo) -> 2 nodes × 2 procs (gloo)",
	}
	tests := []struct {
		name    string
		oldCode Manifest
		want    []string
	}{
		{"with the prior manifest", Manifest{"train.py": "zz", "gone.py": "yy"}, append([]string{"code changed (3 files)"}, rest...)},
		{"without it", nil, append([]string{"code changed"}, rest...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ChangeReasons(&old, p.Inputs, tc.oldCode, p.Code)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("reasons (-want +got):\n%s", d)
			}
		})
	}
}

func TestComparePrior(t *testing.T) {
	d := &ctyval.Decoder{V: fixedConfig()}
	c := Decode(d, Rules{})
	c.Finish(d)
	p, err := PlanInputs(c, c.BackendFor(false), "testdata", false)
	if err != nil {
		t.Fatal(err)
	}
	fp := p.Inputs.Fingerprint()
	prior := func(fingerprint, status string) cty.Value {
		return ctyval.With(fixedConfig(), RunFacts{RunID: "3f2a9c0011", Fingerprint: fingerprint, Status: status}.Values())
	}
	changed := *p.Inputs
	changed.Image = "img:1"
	tests := []struct {
		name        string
		prior       cty.Value
		in, priorIn *Inputs
		keep, run   bool
		reasons     []string
	}{
		{"finished, same", prior(fp, StatusFinished), p.Inputs, p.Inputs, true, false, nil},
		{"running, same", prior(fp, StatusRunning), p.Inputs, p.Inputs, true, true, nil},
		{"failed, same", prior(fp, StatusFailed), p.Inputs, p.Inputs, false, false, []string{"run 3f2a9c00… failed; a new run starts"}},
		{"inputs unknown", prior(fp, StatusFinished), nil, p.Inputs, false, false, []string{"fingerprint known after apply (data.train not known yet)"}},
		{"image changed", prior(changed.Fingerprint(), StatusFinished), p.Inputs, &changed, false, false, []string{`image "img:1" -> "pytorch/pytorch:2.4.0"`}},
		{"prior inputs lost", prior("0123456789abcdef", StatusFinished), p.Inputs, nil, false, false, []string{"fingerprint 01234567 -> " + fp[:8]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ComparePrior(tc.prior, tc.in, p.Code, tc.priorIn, p.Code, []string{"data.train"})
			if got.Keep != tc.keep || got.Running != tc.run {
				t.Errorf("keep, running = %v, %v; want %v, %v", got.Keep, got.Running, tc.keep, tc.run)
			}
			if d := cmp.Diff(tc.reasons, got.Reasons); d != "" {
				t.Errorf("reasons (-want +got):\n%s", d)
			}
			if tc.keep && !got.Planned["run_id"].RawEquals(cty.StringVal("3f2a9c0011")) {
				t.Errorf("planned run_id = %#v, want the prior's", got.Planned["run_id"])
			}
		})
	}
}
