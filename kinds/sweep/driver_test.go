package sweep

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/mltf/mltf/kinds/sweep/search"
)

// simLauncher stands in for the run flow: each run is a goroutine that
// reports a learning curve step by step, can be stopped, and survives the
// end of a Wait (as a real run survives mltf), so that a later Launch with
// its id re-attaches to it.
type simLauncher struct {
	mu       sync.Mutex
	runs     map[string]*simRun
	launched int            // new runs started
	steps    int            // steps computed, over all runs
	finished map[string]int // fingerprint -> trial that finished it, for reuse
	fail     func(params []float64) bool
	epochs   int
	// onLaunch, if set, is called after each new run starts.
	onLaunch func(n int)
}

type simRun struct {
	l       *simLauncher
	id      string
	params  []float64
	points  chan search.Point
	stop    chan struct{}
	once    sync.Once
	done    chan Outcome
	stopped bool
}

func newSim(epochs int) *simLauncher {
	return &simLauncher{runs: map[string]*simRun{}, finished: map[string]int{}, epochs: epochs}
}

// accuracy is the curve of a digits-like training: the ceiling depends on
// the learning rate and the hidden size.
func accuracy(p []float64, step int) float64 {
	ceiling := 0.98 - 0.08*math.Abs(math.Log10(p[0])+2) - 0.01*(2-p[1])
	return ceiling * (1 - math.Exp(-float64(step)/2))
}

func fingerprint(p []float64) string { return fmt.Sprint(p) }

func (l *simLauncher) Launch(ctx context.Context, n int, params []float64, prior *Record) (TrialRun, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if prior != nil {
		if r, ok := l.runs[prior.RunID]; ok {
			return r, nil // re-attach
		}
	}
	if l.fail != nil && l.fail(params) {
		return nil, fmt.Errorf("pool has no room for trial %d", n)
	}
	if _, ok := l.finished[fingerprint(params)]; ok {
		return &reusedRun{id: "reused-" + fingerprint(params), v: accuracy(params, l.epochs)}, nil
	}
	l.launched++
	r := &simRun{l: l, id: fmt.Sprintf("run%d", l.launched), params: params,
		points: make(chan search.Point), stop: make(chan struct{}), done: make(chan Outcome, 1)}
	l.runs[r.id] = r
	go r.train()
	if l.onLaunch != nil {
		l.onLaunch(n)
	}
	return r, nil
}

func (r *simRun) train() {
	for step := 1; step <= r.l.epochs; step++ {
		select {
		case <-r.stop:
			r.done <- Outcome{Status: "cancelled"}
			close(r.points)
			return
		case r.points <- search.Point{Step: step, Value: accuracy(r.params, step)}:
			r.l.mu.Lock()
			r.l.steps++
			r.l.mu.Unlock()
		}
	}
	r.l.mu.Lock()
	r.l.finished[fingerprint(r.params)] = 1
	r.l.mu.Unlock()
	r.done <- Outcome{Status: "finished", Metrics: map[string]float64{"accuracy": accuracy(r.params, r.l.epochs)}}
	close(r.points)
}

func (r *simRun) RunID() string   { return r.id }
func (r *simRun) Locator() []byte { return []byte(r.id) }

func (r *simRun) Wait(ctx context.Context, onMetric func(string, int64, float64)) Outcome {
	for {
		select {
		case <-ctx.Done():
			return Outcome{}
		case p, ok := <-r.points:
			if !ok {
				return <-r.done
			}
			onMetric("loss", int64(p.Step), 1-p.Value)
			onMetric("accuracy", int64(p.Step), p.Value)
		}
	}
}

func (r *simRun) Stop(context.Context) error {
	r.once.Do(func() { close(r.stop) })
	return nil
}

type reusedRun struct {
	id string
	v  float64
}

func (r *reusedRun) RunID() string   { return r.id }
func (r *reusedRun) Locator() []byte { return nil }
func (r *reusedRun) Wait(context.Context, func(string, int64, float64)) Outcome {
	return Outcome{Status: "finished", Reused: true, Metrics: map[string]float64{"accuracy": r.v}}
}
func (r *reusedRun) Stop(context.Context) error { return nil }

var space = search.Space{
	{Name: "lr", Dist: search.LogUniform, Low: 1e-4, High: 0.3},
	{Name: "hidden", Dist: search.Values, Choices: 3},
}

func settings(trials, parallel int) Settings {
	return Settings{Space: space, Metric: "accuracy", Goal: search.Maximize, Sampler: "tpe", Seed: 7,
		Trials: trials, Parallel: parallel, MaxFailed: 2, Rule: "asha", MinStep: 1, ReductionFactor: 3}
}

func count(recs []Record) map[string]int {
	c := map[string]int{}
	for _, r := range recs {
		c[r.State]++
	}
	return c
}

func TestDriverRunsTheSweep(t *testing.T) {
	sim := newSim(9)
	var saved []Record
	d := &Driver{Settings: settings(27, 3), Launcher: sim, Save: func(r []Record) { saved = r }}
	recs, err := d.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := count(recs)
	if len(recs) != 27 || c["running"] != 0 || c["complete"]+c["pruned"] != 27 {
		t.Fatalf("states %v of %d trials", c, len(recs))
	}
	if c["pruned"] == 0 {
		t.Fatal("ASHA pruned nothing")
	}
	if sim.steps >= 27*9 {
		t.Fatalf("%d steps run; pruning should save some of the %d", sim.steps, 27*9)
	}
	if len(saved) != 27 || count(saved)["running"] != 0 {
		t.Fatalf("the last save holds %v", count(saved))
	}
	for _, r := range recs {
		if r.State == "pruned" && (len(r.Points) == 0 || r.Value == nil) {
			t.Fatalf("pruned trial %d has no last value: %+v", r.Number, r)
		}
		if run := sim.runs[r.RunID]; r.State == "pruned" && run != nil {
			select {
			case <-run.stop:
			default:
				t.Fatalf("pruned trial %d's run was not stopped", r.Number)
			}
		}
	}
	s := Summarize(recs, search.Maximize)
	if s.Best == nil || *s.Best.Value < 0.9 {
		t.Fatalf("best %+v", s.Best)
	}
}

// A sweep interrupted while trials run (mltf killed) resumes from its last
// saved records: running trials are re-attached, none is launched twice,
// and the sweep ends with all its trials.
func TestDriverResumesFromSavedRecords(t *testing.T) {
	sim := newSim(9)
	ctx, cancel := context.WithCancel(context.Background())
	sim.onLaunch = func(n int) {
		if n == 5 {
			cancel()
		}
	}
	var saved []Record
	var mu sync.Mutex
	save := func(r []Record) { mu.Lock(); saved = r; mu.Unlock() }
	d := &Driver{Settings: settings(15, 2), Launcher: sim, Save: save}
	if _, err := d.Run(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	c := count(saved)
	if c["running"] == 0 {
		t.Fatalf("nothing left running at the interruption: %v", c)
	}
	sim.onLaunch = nil
	d2 := &Driver{Settings: settings(15, 2), Launcher: sim, Save: save}
	recs, err := d2.Run(context.Background(), saved)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 15 || count(recs)["running"] != 0 {
		t.Fatalf("after resume: %v of %d", count(recs), len(recs))
	}
	if sim.launched != 15 {
		t.Fatalf("%d runs launched for 15 trials: a trial was lost or run twice", sim.launched)
	}
}

// Raising trials continues the study: the recorded trials stay, only the
// new ones run.
func TestDriverContinuesWhenTrialsGrow(t *testing.T) {
	sim := newSim(5)
	d := &Driver{Settings: settings(10, 1), Launcher: sim}
	first, err := d.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Settings.Trials = 16
	recs, err := d.Run(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 16 || sim.launched != 16 {
		t.Fatalf("%d trials, %d launched; want 16 and 16", len(recs), sim.launched)
	}
	for i := range first {
		if fmt.Sprint(first[i]) != fmt.Sprint(recs[i]) {
			t.Fatalf("trial %d changed: %+v -> %+v", i, first[i], recs[i])
		}
	}
	// The same sweep asked again from scratch (sequential, same seed) makes
	// the same first ten trials.
	again, _ := (&Driver{Settings: settings(10, 1), Launcher: newSim(5)}).Run(context.Background(), nil)
	for i := range again {
		if fmt.Sprint(again[i].Params) != fmt.Sprint(first[i].Params) {
			t.Fatalf("trial %d: params %v then %v with the same seed", i, first[i].Params, again[i].Params)
		}
	}
}

func TestDriverStopsAfterMaxFailed(t *testing.T) {
	sim := newSim(3)
	sim.fail = func(p []float64) bool { return p[1] != 0 } // hidden values 1 and 2 cannot run
	s := settings(30, 1)
	s.Rule = ""
	d := &Driver{Settings: s, Launcher: sim}
	recs, err := d.Run(context.Background(), nil)
	if !errors.Is(err, ErrTooManyFailed) {
		t.Fatalf("err %v, want ErrTooManyFailed", err)
	}
	c := count(recs)
	if c["failed"] != 3 || len(recs) == 30 {
		t.Fatalf("%v over %d trials: the sweep should stop at the third failure", c, len(recs))
	}
	if recs[len(recs)-1].Detail == "" {
		t.Fatal("a failed trial has no detail")
	}
}

func TestDriverStopsAtTarget(t *testing.T) {
	sim := newSim(3)
	s := settings(40, 1)
	s.Rule = ""
	target := 0.5
	s.Target = &target
	recs, err := (&Driver{Settings: s, Launcher: sim}).Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) >= 40 || *recs[len(recs)-1].Value < target {
		t.Fatalf("%d trials; the last %+v should be the first to reach %v", len(recs), recs[len(recs)-1], target)
	}
}

// A trial whose run already finished (same fingerprint) is reused.
func TestDriverReusesFinishedRuns(t *testing.T) {
	sim := newSim(3)
	s := settings(12, 1)
	s.Rule = ""
	first, err := (&Driver{Settings: s, Launcher: sim}).Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// A new study with the same seed proposes the same trials: all reused.
	recs, err := (&Driver{Settings: s, Launcher: sim}).Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sim.launched != 12 {
		t.Fatalf("%d runs launched; the second study should reuse all 12", sim.launched)
	}
	for i, r := range recs {
		if !r.Reused || *r.Value != *first[i].Value {
			t.Fatalf("trial %d: %+v", i, r)
		}
	}
}
