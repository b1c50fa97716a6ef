package deployment

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/serving"
)

func model(aliases map[string]cty.Value) cty.Value {
	at := cty.MapValEmpty(cty.Number)
	if len(aliases) > 0 {
		at = cty.MapVal(aliases)
	}
	return cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("digits"), "aliases_at": at})
}

func config(attrs map[string]cty.Value) cty.Value {
	v := map[string]cty.Value{}
	for name, a := range Schema().Attributes {
		if !a.Computed || a.Optional {
			v[name] = cty.NullVal(a.Type)
		}
	}
	v["pool"] = cty.StringVal("cpu")
	v["model"] = model(map[string]cty.Value{"production": cty.NumberIntVal(3)})
	v["strategy"] = cty.NullVal(cty.DynamicPseudoType)
	for k, x := range attrs {
		v[k] = x
	}
	return cty.ObjectVal(v)
}

func canaryBlock(attrs map[string]cty.Value) cty.Value {
	base := map[string]cty.Value{"steps": cty.NullVal(cty.List(cty.Number)), "interval": cty.NullVal(cty.String),
		"rollback_window": cty.NullVal(cty.String), "percent": cty.NullVal(cty.Number), "analysis": cty.NullVal(cty.DynamicPseudoType)}
	for k, x := range attrs {
		base[k] = x
	}
	return cty.ObjectVal(map[string]cty.Value{"canary": cty.ObjectVal(base)})
}

func TestDecode(t *testing.T) {
	analysis := cty.ObjectVal(map[string]cty.Value{"max_error_rate": cty.NumberFloatVal(0.01), "max_p99": cty.StringVal("100ms"),
		"max_input_drift": cty.NumberFloatVal(0.2), "min_requests": cty.NullVal(cty.Number)})
	c, diags := Decode(config(map[string]cty.Value{
		"alias":    cty.StringVal("production"),
		"replicas": cty.NumberIntVal(2),
		"strategy": canaryBlock(map[string]cty.Value{"analysis": analysis}),
	}))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if c.Target != 3 || c.Model != "digits" || c.Replicas != 2 || c.Listen != "127.0.0.1:8080" || c.MaxLatency != 5*time.Millisecond {
		t.Errorf("decoded %+v", c)
	}
	want := "canary 5% -> 25% -> 50% -> 100%, 1m each, rolls back if error rate > 1% or p99 > 100ms or input drift > 0.2"
	if got := c.Strategy.Describe(); got != want {
		t.Errorf("plan words:\n%s\nwant\n%s", got, want)
	}

	res, diags := Decode(config(map[string]cty.Value{"alias": cty.StringVal("production"),
		"cpus": cty.NumberFloatVal(0.5), "memory": cty.StringVal("2Gi"), "gpus": cty.NumberIntVal(1)}))
	if diags.HasErrors() || res.MilliCPUs != 500 || res.Memory != "2Gi" || res.GPUs != 1 {
		t.Errorf("resources: %d millicpus, memory %q, %d gpus, %v", res.MilliCPUs, res.Memory, res.GPUs, diags)
	}

	pinned, _ := Decode(config(map[string]cty.Value{"alias": cty.StringVal("production"), "version": cty.NumberIntVal(2)}))
	if pinned.Target != 2 || pinned.Strategy.Describe() != "all at once, once the new version is ready" {
		t.Errorf("version = 2 serves %d, %q", pinned.Target, pinned.Strategy.Describe())
	}
	steps, _ := Decode(config(map[string]cty.Value{"alias": cty.StringVal("production"),
		"strategy": canaryBlock(map[string]cty.Value{"steps": cty.ListVal([]cty.Value{cty.NumberIntVal(10), cty.NumberIntVal(40)})})}))
	if diff := cmp.Diff([]int{10, 40, 100}, steps.Strategy.Steps); diff != "" {
		t.Errorf("steps that stop short of 100 end at 100 (-want +got):\n%s", diff)
	}
}

func TestDecodeMistakes(t *testing.T) {
	for name, tc := range map[string]struct {
		attrs   map[string]cty.Value
		summary string
	}{
		"alias points nowhere":  {map[string]cty.Value{"alias": cty.StringVal("staging")}, "Alias points nowhere"},
		"nothing to serve":      {map[string]cty.Value{}, "Nothing to serve"},
		"not a model":           {map[string]cty.Value{"alias": cty.StringVal("production"), "model": cty.StringVal("digits")}, "Invalid model"},
		"zero replicas":         {map[string]cty.Value{"alias": cty.StringVal("production"), "replicas": cty.NumberIntVal(0)}, "Invalid replicas"},
		"zero cpus":             {map[string]cty.Value{"alias": cty.StringVal("production"), "cpus": cty.NumberIntVal(0)}, "Invalid cpus"},
		"cpus finer than milli": {map[string]cty.Value{"alias": cty.StringVal("production"), "cpus": cty.NumberFloatVal(0.0005)}, "Invalid cpus"},
		"negative gpus":         {map[string]cty.Value{"alias": cty.StringVal("production"), "gpus": cty.NumberIntVal(-1)}, "Invalid gpus"},
		"half a gpu":            {map[string]cty.Value{"alias": cty.StringVal("production"), "gpus": cty.NumberFloatVal(0.5)}, "Invalid gpus"},
		"bad interval": {map[string]cty.Value{"alias": cty.StringVal("production"),
			"strategy": canaryBlock(map[string]cty.Value{"interval": cty.StringVal("soon")})}, "Invalid duration"},
	} {
		t.Run(name, func(t *testing.T) {
			_, diags := Decode(config(tc.attrs))
			if !diags.HasErrors() || diags[0].Summary != tc.summary {
				t.Errorf("diagnostics %v, want %q", diags, tc.summary)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	an := Analysis{MaxErrorRate: bound(0.01), MaxP99: 100 * time.Millisecond, MinRequests: 20}
	from := statsOf(2, 0, 0, 0)
	for _, tc := range []struct {
		name                   string
		requests, errors, slow int64
		failed                 string
	}{
		{"healthy", 100, 0, 0, ""},
		{"too few to judge", 10, 10, 0, ""},
		{"errors", 40, 4, 0, "error rate 10% > 1% over 40 requests"},
		{"slow", 40, 0, 10, "p99 "},
	} {
		v := an.Judge(Window{From: from, To: statsOf(2, tc.requests, tc.errors, tc.slow)}, 2, false, nil)
		if tc.failed == "" && v.Failed != "" || tc.failed != "" && !contains(v.Failed, tc.failed) {
			t.Errorf("%s: failed %q, want %q", tc.name, v.Failed, tc.failed)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// statsOf are counts of one version: requests, of which errors failed
// and slow took 500 ms (the others 5 ms).
func statsOf(v int64, requests, errors, slow int64) serving.Stats {
	var h serving.Histogram
	for i := int64(0); i < requests; i++ {
		if i < slow {
			h.Observe(500 * time.Millisecond)
		} else {
			h.Observe(5 * time.Millisecond)
		}
	}
	return serving.Stats{Versions: []serving.VersionStats{{Version: v, Live: serving.RoleStats{Requests: requests, Errors: errors, Latency: h.Snapshot()}}}}
}
