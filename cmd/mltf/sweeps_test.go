package main_test

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
	"github.com/mltf/mltf/kinds/sweep"
	"github.com/mltf/mltf/kinds/sweep/search"
	"github.com/mltf/mltf/state"
)

// sweepState is a state holding sweep.digits with 27 trials of an ASHA
// study on a synthetic learning curve: some complete, some pruned, one
// failed, one running.
func sweepState(t *testing.T) []byte {
	t.Helper()
	space := search.Space{
		{Name: "hidden", Dist: search.Values, Choices: 3},
		{Name: "lr", Dist: search.LogUniform, Low: 1e-4, High: 0.3},
	}
	st, err := search.New(search.Options{Space: space, Goal: search.Maximize, Sampler: search.TPE(search.TPEOptions{}),
		Pruner: search.ASHA(search.ASHAOptions{}), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var recs []sweep.Record
	for n := range 27 {
		tr, _ := st.Ask()
		rec := sweep.Record{Number: n, Params: tr.Params, RunID: strings.Repeat(string(rune('a'+n%26)), 32)}
		ceiling := 0.98 - 0.08*math.Abs(math.Log10(tr.Params[1])+2) - 0.01*(2-tr.Params[0])
		switch n {
		case 13:
			st.Tell(n, search.Failed, 0)
			rec.State, rec.Detail = "failed", "rank 0 exited with status 1"
		case 26:
			rec.State = "running"
		default:
			for step := 1; step <= 9; step++ {
				v := ceiling * (1 - math.Exp(-float64(step)/2))
				if prune, _ := st.Report(n, step, v); prune {
					st.Tell(n, search.Pruned, 0)
					break
				}
			}
			if got, _ := st.Trial(n); got.State == search.Running {
				st.Tell(n, search.Complete, ceiling*(1-math.Exp(-4.5)))
			}
			got, _ := st.Trial(n)
			v := got.Value
			rec.State, rec.Value, rec.Points = got.State.String(), &v, got.Points
		}
		recs = append(recs, rec)
	}
	priv := sweep.Private{
		Spec: sweep.Spec{Params: []string{"hidden values [32, 64, 128]", "lr log_uniform [0.0001, 0.3]"},
			Objective: "maximize accuracy", Sampler: "tpe", Seed: 7, EarlyStopping: "asha (min_step 1, reduction_factor 3)", Trial: "0123456789abcdef"},
		Metric: "accuracy", Goal: "maximize", Trials: 30, Params: []string{"hidden", "lr"},
		Values:  map[string][]json.RawMessage{"hidden": {json.RawMessage("32"), json.RawMessage("64"), json.RawMessage("128")}},
		Records: recs,
	}
	s := state.New()
	s.SetInstance("sweep.digits", "sweep", "digits", "local", "", &state.Instance{Status: state.Partial,
		Attributes: json.RawMessage(`{}`), Private: priv.Encode()})
	b, err := state.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSweepsCommands(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": `experiment "digits" {}` + "\n", "state.json": string(sweepState(t))})
	e2e.Must(t, dir, 0, "init")
	e2e.Must(t, dir, 0, "state", "push", "state.json")

	list := e2e.Must(t, dir, 0, "sweeps", "list")
	for _, want := range []string{"SWEEP", "sweep.digits", "27/30", "accuracy 0.9"} {
		if !strings.Contains(list.Stdout, want) {
			t.Errorf("sweeps list lacks %q:\n%s", want, list.Stdout)
		}
	}
	show := e2e.Must(t, dir, 0, "sweeps", "show", "digits")
	lines := strings.Split(show.Stdout, "\n")
	if !strings.HasPrefix(lines[0], "sweep.digits: study ") || !strings.Contains(lines[0], "maximize accuracy, sampler tpe (seed 7), early stopping asha") {
		t.Errorf("sweeps show header:\n%s", show.Stdout)
	}
	var rows []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 1 && (f[1] == "complete" || f[1] == "pruned" || f[1] == "failed" || f[1] == "running") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 27 || !strings.Contains(rows[0], "complete (best)") || !strings.Contains(rows[len(rows)-1], "failed") {
		t.Errorf("sweeps show: want 27 trials, best first, failed last:\n%s", show.Stdout)
	}
	if !strings.Contains(show.Stdout, "trial 13 failed: rank 0 exited with status 1") {
		t.Errorf("sweeps show does not say why trial 13 failed:\n%s", show.Stdout)
	}
	for _, ext := range []string{"png", "svg"} {
		out := filepath.Join(dir, "sweep."+ext)
		e2e.Must(t, dir, 0, "sweeps", "plot", "sweep.digits", "-o", out)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		if ext == "png" {
			img, err := png.Decode(f)
			if err != nil || img.Bounds().Dx() < 800 {
				t.Errorf("plot PNG: %v", err)
			}
			if keep := os.Getenv("MLTF_KEEP_PLOT"); keep != "" {
				b, _ := os.ReadFile(out)
				os.WriteFile(keep, b, 0o644)
			}
		} else {
			b, _ := os.ReadFile(out)
			if !strings.Contains(string(b), "<svg") || strings.Count(string(b), "<circle") < 25 {
				t.Errorf("plot SVG has %d trial dots", strings.Count(string(b), "<circle"))
			}
		}
		f.Close()
	}
	missing := e2e.Run(t, dir, nil, "sweeps", "show", "nope")
	if missing.Code != 1 || !strings.Contains(missing.Stderr, `No sweep "nope" in the state; it has: sweep.digits`) {
		t.Errorf("unknown sweep: %d %s", missing.Code, missing.Stderr)
	}
}
