package views

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mltf/mltf/kinds/pipeline"
	"github.com/mltf/mltf/kinds/sweep"
	"github.com/mltf/mltf/kinds/sweep/search"
)

func goldenPipeline() Pipeline {
	return Pipeline{Addr: "pipeline.features", State: pipeline.Private{
		Order: []string{"clean", "train", "report"},
		Steps: map[string]*pipeline.Record{
			"clean": {Key: "a1b2c3d4e5f6a7b8", Status: pipeline.StatusFinished, Cached: true, RunID: "9bec929093624fa787b92602752a31ab",
				Outputs: map[string]string{"clean.csv": "5e884898da280471"}},
			"train": {Key: "0f1e2d3c4b5a6978", Status: pipeline.StatusFailed, RunID: "77ab02c4d9e1f0a3b5c7d9e1f3a5b7c9",
				Started: started, Finished: started.Add(83 * time.Second), Detail: "exit status 1 (rank 0: ValueError: bad column)"},
			"report": {Status: pipeline.StatusSkipped, Detail: "train failed"},
		},
		Applies: []pipeline.Apply{
			{Started: started.Add(-time.Hour), Finished: started.Add(-time.Hour + 90*time.Second), ScheduledTime: "2026-12-01T22:10:00Z", Ran: 3, Status: "finished"},
			{Started: started, Finished: started.Add(84 * time.Second), Ran: 1, Cached: 1, Failed: 1, Status: "failed"},
		},
	}}
}

func goldenSweep() Sweep {
	v := func(f float64) *float64 { return &f }
	return Sweep{Addr: "sweep.digits", State: sweep.Private{
		Spec:   sweep.Spec{Params: []string{"lr log_uniform [0.001, 0.5]", "hidden values [16, 32]"}, Objective: "maximize accuracy", Sampler: "tpe", Seed: 7, EarlyStopping: "asha", Trial: "t"},
		Metric: "accuracy", Goal: "maximize", Trials: 6,
		Params: []string{"lr", "hidden"},
		Values: map[string][]json.RawMessage{"hidden": {json.RawMessage(`16`), json.RawMessage(`32`)}},
		Records: []sweep.Record{
			{Number: 0, Params: []float64{0.01, 0}, State: "complete", Value: v(0.91), Points: []search.Point{{Step: 20, Value: 0.91}}, RunID: "9bec929093624fa787b92602752a31ab"},
			{Number: 1, Params: []float64{0.2, 1}, State: "complete", Value: v(0.953), Points: []search.Point{{Step: 20, Value: 0.953}}, RunID: "77ab02c4d9e1f0a3b5c7d9e1f3a5b7c9", Reused: true},
			{Number: 2, Params: []float64{0.002, 1}, State: "pruned", Value: v(0.42), Points: []search.Point{{Step: 5, Value: 0.42}}, RunID: "5d1e0c2a9b8f4e3d"},
			{Number: 3, Params: []float64{0.4, 0}, State: "failed", RunID: "6f1c2e0a11223344", Detail: "exit status 1 (rank 1: CUDA error)"},
			{Number: 4, Params: []float64{0.05, 1}, State: "running", RunID: "0a0b0c0d0e0f1011"},
		},
	}}
}

// TestGoldenLists pins the human views of the commands that list and
// show a kind's instances from the state: pipelines and sweeps.
func TestGoldenLists(t *testing.T) {
	cases := map[string]func(*strings.Builder){
		"pipelines_list":       func(b *strings.Builder) { PipelinesList(b, []Pipeline{goldenPipeline(), {Addr: "pipeline.empty"}}) },
		"pipelines_list_empty": func(b *strings.Builder) { PipelinesList(b, nil) },
		"pipelines_show":       func(b *strings.Builder) { PipelineShow(b, goldenPipeline()) },
		"sweeps_list":          func(b *strings.Builder) { SweepsList(b, []Sweep{goldenSweep()}) },
		"sweeps_list_empty":    func(b *strings.Builder) { SweepsList(b, nil) },
		"sweeps_show":          func(b *strings.Builder) { SweepShow(b, goldenSweep()) },
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			render(&b)
			golden(t, "human/"+name+".txt", b.String())
		})
	}
}
