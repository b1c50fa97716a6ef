package views

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/plan"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/tracking"
)

// goldenState holds a training with a sensitive attribute, a tainted
// experiment and outputs, one of them sensitive.
func goldenState() *state.State {
	st := state.New()
	st.SetInstance("training.mlp", "training", "mlp", "local", "", &state.Instance{
		Status:     state.Ready,
		Attributes: json.RawMessage(`{"run_id":"9bec929093624fa787b92602752a31ab","params":{"lr":0.05,"epochs":20},"env":{"API_TOKEN":"SUPERSECRET123"},"memory_bytes":25000000000}`),
		Sensitive:  []cty.Path{cty.GetAttrPath("env").Index(cty.StringVal("API_TOKEN"))},
	})
	st.SetInstance("experiment.many", "experiment", "many", "registry", "1", &state.Instance{
		Status: state.Tainted, Attributes: json.RawMessage(`{"name":"many-1"}`),
		Deposed: map[string]*state.Instance{"6f1c2e0a": {Status: state.Ready, Attributes: json.RawMessage(`{"name":"many-1-old"}`)}},
	})
	st.Outputs["accuracy"] = &state.Output{Type: json.RawMessage(`"number"`), Value: json.RawMessage(`0.9749`)}
	st.Outputs["token"] = &state.Output{Type: json.RawMessage(`"string"`), Value: json.RawMessage(`"SUPERSECRET123"`), Sensitive: true}
	return st
}

// goldenApply drives the apply view through a create with progress, a
// replacement, a failure and a detached training, then its end.
func goldenApply(b *strings.Builder) {
	clock := started
	v := NewApply(b, false)
	v.Now = func() time.Time { return clock }
	addr := func(kind, name string) lang.InstanceAddr {
		return lang.InstanceAddr{Resource: lang.ResourceAddr{Kind: kind, Name: name}}
	}
	exp := &plan.Change{Addr: addr("experiment", "digits"), Action: plan.Create}
	mlp := &plan.Change{Addr: addr("training", "mlp"), Action: plan.DeleteThenCreate}
	bad := &plan.Change{Addr: addr("dataset", "rows"), Action: plan.Update}
	slow := &plan.Change{Addr: addr("training", "slow"), Action: plan.Update, PriorStatus: state.Partial}
	v.Started(exp)
	clock = clock.Add(300 * time.Millisecond)
	v.Finished(exp, nil)
	v.Started(mlp)
	v.Started(slow)
	for step := int64(100); step <= 300; step += 100 {
		clock = clock.Add(6 * time.Second)
		v.Event(mlp, providers.Event{Type: providers.EventProgress, Progress: &providers.Progress{
			Step: step, Total: 460, Elapsed: time.Duration(step/20) * time.Second, Metrics: map[string]float64{"loss": 1 / float64(step), "accuracy": 0.9 + float64(step)/10000},
		}})
	}
	v.Started(bad)
	v.Finished(bad, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "bad row 7"}})
	clock = clock.Add(3 * time.Second)
	v.Finished(mlp, nil)
	v.Finished(slow, plan.Detach(nil))
	v.Complete(plan.Summary{Add: 2, Change: 1, Destroy: 1}, false, goldenState())
	v.Complete(plan.Summary{Destroy: 4}, true, state.New())
}

func TestGoldenHuman(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	now := finished.Add(time.Hour)
	running := run
	running.ID, running.Status, running.Finished, running.Metrics = "0c4e1d2f3a4b5c6d7e8f9a0b1c2d3e4f", "running", time.Time{}, map[string]float64{"loss": 0.2134}
	running.Params, running.GitDirty, running.Restarts, running.Env = json.RawMessage(`{"lr":0.1,"opt":{"name":"sgd"}}`), true, nil, nil
	stats := map[string]any{
		"source": "file://data/digits.csv", "version": 2.0, "fingerprint": "9f2c1a7be04d55aa0c11e0d3f2b4c6d8", "object_count": 1.0,
		"bytes": 24_613.0, "row_count": 1797.0,
		"statistics": map[string]any{
			"label": map[string]any{"count": 1797.0, "nulls": 0.0, "min": 0.0, "max": 9.0, "mean": 4.4902615, "stddev": 2.8724, "quantiles": map[string]any{"p50": 4.0},
				"top": []any{map[string]any{"value": 3.0, "count": 183.0}, map[string]any{"value": 1.0, "count": 182.0}, map[string]any{"value": 5.0, "count": 182.0}, map[string]any{"value": 4.0, "count": 181.0}}},
			"p0": map[string]any{"count": 1797.0, "nulls": 3.0, "min": 0.0, "max": 16.0, "mean": 0.3, "stddev": 0.9},
		},
		"drift_report": map[string]any{"baseline_version": 1.0, "verdict": "ok", "columns": map[string]any{"label": map[string]any{"psi": 0.0123, "threshold": 0.2, "verdict": "ok"}}},
	}
	cases := map[string]func(*strings.Builder){
		"apply":             goldenApply,
		"show":              func(b *strings.Builder) { StateShow(b, goldenState()) },
		"show_empty":        func(b *strings.Builder) { StateShow(b, state.New()) },
		"runs_list":         func(b *strings.Builder) { RunsList(b, []tracking.Run{running, run}, now) },
		"runs_show":         func(b *strings.Builder) { RunShow(b, run, "digits", now) },
		"runs_show_running": func(b *strings.Builder) { RunShow(b, running, "digits", now) },
		"runs_compare":      func(b *strings.Builder) { RunsCompare(b, []tracking.Run{run, running}) },
		"models_list": func(b *strings.Builder) {
			ModelsList(b, []tracking.ModelSummary{{Name: "digits", Versions: 2, Latest: 2, Updated: finished, Aliases: map[string]int64{"production": 2, "staging": 1}}, {Name: "empty", Updated: started}})
		},
		"models_list_empty": func(b *strings.Builder) { ModelsList(b, nil) },
		"models_show": func(b *strings.Builder) {
			v := version
			v.Lineage.Files = []tracking.File{{Path: "model.pt", SHA256: "5e88", Size: 53_421}}
			ModelVersionShow(b, ModelVersion{ModelVersion: v, Aliases: []string{"production"}, Run: &run, Experiment: "digits"})
		},
		"models_history": func(b *strings.Builder) {
			AliasHistory(b, "digits", []tracking.AliasMove{
				{Model: "digits", Alias: "production", To: 1, When: started, Who: "ci@runner", Gates: json.RawMessage(`[{"gate":0,"candidate":1,"passed":true,"values":"accuracy=0.95"}]`)},
				{Model: "digits", Alias: "production", From: 1, To: 1, When: finished, Who: "ci@runner", Gates: json.RawMessage(`[{"gate":0,"candidate":2,"passed":true},{"gate":1,"candidate":2,"passed":false,"message":"worse than the current version"}]`)},
				{Model: "digits", Alias: "staging", From: 1, When: finished, Who: "ana"},
				{Model: "digits", Alias: "canary", When: finished, Who: "ci@runner", Gates: json.RawMessage(`[{"gate":0,"candidate":1,"passed":false,"message":"accuracy below the bar"}]`)},
			})
		},
		"models_history_empty": func(b *strings.Builder) { AliasHistory(b, "digits", nil) },
		"datasets_list": func(b *strings.Builder) {
			DatasetsList(b, map[string]map[string]any{"dataset.digits": stats, "dataset.rows": {"version": 1.0, "row_count": 4.0, "bytes": 12.0, "fingerprint": "77ab"}})
		},
		"datasets_show": func(b *strings.Builder) { DatasetShow(b, "dataset.digits", stats) },
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			render(&b)
			out := b.String()
			if strings.Contains(out, "SUPERSECRET123") {
				t.Errorf("shows a sensitive value:\n%s", out)
			}
			if strings.Contains(out, "e+") {
				t.Errorf("prints a number in scientific notation:\n%s", out)
			}
			golden(t, "human/"+name+".txt", out)
		})
	}
}
