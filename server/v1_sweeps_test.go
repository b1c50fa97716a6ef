package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/kinds/sweep"
	"github.com/mltf/mltf/kinds/sweep/search"
	"github.com/mltf/mltf/server"
	"github.com/mltf/mltf/state"
)

// TestSweeps reads a sweep of the workspace's state through /api/v1: its
// summary in the list, its trials best first with their params by name.
func TestSweeps(t *testing.T) {
	e := newEnv(t)
	v := func(f float64) *float64 { return &f }
	priv := sweep.Private{
		Spec:   sweep.Spec{Params: []string{"lr log_uniform [0.0001, 0.3]", "act values [\"relu\", \"tanh\"]"}, Objective: "minimize loss", Sampler: "random", Seed: 3},
		Metric: "loss", Goal: "minimize", Trials: 4, Params: []string{"lr", "act"},
		Values: map[string][]json.RawMessage{"act": {json.RawMessage(`"relu"`), json.RawMessage(`"tanh"`)}},
		Records: []sweep.Record{
			{Number: 0, Params: []float64{0.01, 1}, State: "complete", Value: v(0.4), Points: []search.Point{{Step: 1, Value: 0.9}, {Step: 2, Value: 0.4}}, RunID: "r1"},
			{Number: 1, Params: []float64{0.2, 0}, State: "pruned", Value: v(1.5), Points: []search.Point{{Step: 1, Value: 1.5}}},
			{Number: 2, Params: []float64{0.05, 0}, State: "complete", Value: v(0.3), Points: []search.Point{{Step: 1, Value: 0.8}, {Step: 2, Value: 0.3}}},
		},
	}
	st, err := e.st.Read(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	st.SetInstance("sweep.lr", "sweep", "lr", "local", "", &state.Instance{Status: state.Ready, Attributes: json.RawMessage(`{"trials":4}`), Private: priv.Encode()})
	if err := e.st.Write(ctx, "default", st); err != nil {
		t.Fatal(err)
	}

	var list struct{ Sweeps []server.Sweep }
	e.get("/api/v1/sweeps", "reader", &list)
	if len(list.Sweeps) != 1 || list.Sweeps[0].Address != "sweep.lr" || list.Sweeps[0].Complete != 2 || list.Sweeps[0].Pruned != 1 ||
		list.Sweeps[0].Best == nil || list.Sweeps[0].Best.Number != 2 || list.Sweeps[0].TrialsAsked != 4 {
		t.Errorf("sweeps: %+v", list.Sweeps)
	}
	for _, name := range []string{"lr", "sweep.lr"} {
		var d server.SweepDetail
		e.get("/api/v1/sweeps/"+name, "reader", &d)
		var got []string
		for _, tr := range d.Trials {
			got = append(got, tr.State+" "+tr.Params["act"]+" "+tr.Params["lr"])
		}
		if diff := cmp.Diff([]string{`complete "relu" 0.05`, `complete "tanh" 0.01`, `pruned "relu" 0.2`}, got); diff != "" {
			t.Errorf("trials of %s, best first (-want +got):\n%s", name, diff)
		}
		if len(d.Trials[0].Points) != 2 || d.ParamNames[1] != "act" {
			t.Errorf("sweep %s: %+v", name, d)
		}
	}
	if status, b := e.do("GET", "/api/v1/sweeps/nope", "reader", nil); status != http.StatusNotFound {
		t.Errorf("an unknown sweep: %d %s", status, b)
	}
}
