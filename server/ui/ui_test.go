package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mltf/mltf/kinds/sweep"
	"github.com/mltf/mltf/kinds/sweep/search"
	"github.com/mltf/mltf/server"
	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
	"github.com/mltf/mltf/state/tracking"
)

// chromium finds Debian's Chromium. Outside CI a machine without it skips
// the browser tests, saying so; in CI they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed; scripts/setup.sh installs it")
	}
	t.Skip("Chromium is not installed (scripts/setup.sh installs it): the web UI's browser tests cannot run")
	return ""
}

// screenshotDir is where the pages' screenshots go: MLTF_SCREENSHOT_DIR,
// else mltf-ui-screenshots in the temporary directory.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("MLTF_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "mltf-ui-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var ctx = context.Background()

// site is a server with the runs, models and datasets a team would have.
type site struct {
	url, token string
	writer     string
	ts         *tracking.Store
	exp        tracking.Experiment
	live       tracking.Run
}

func newSite(t *testing.T) *site {
	t.Helper()
	dir := t.TempDir()
	ts, err := tracking.Open(ctx, "sqlite://"+filepath.Join(dir, "tracking.db"), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	st, err := store.Open(ctx, "file://"+filepath.Join(dir, "state"), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &site{ts: ts}
	s.token, _, err = server.CreateToken(ctx, ts, api.Reader, "dashboards")
	if err != nil {
		t.Fatal(err)
	}
	s.writer, _, err = server.CreateToken(ctx, ts, api.Writer, "ci-bot")
	if err != nil {
		t.Fatal(err)
	}
	s.exp, err = ts.CreateExperiment(ctx, tracking.Experiment{Name: "digits", Description: "Handwritten digits, small MLP"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-2 * time.Hour).UTC()
	for i, lr := range []float64{0.01, 0.05, 0.1} {
		acc := 0.90 + 0.03*float64(i)
		if lr == 0.1 {
			acc = 0.88
		}
		r := tracking.Run{ID: fmt.Sprintf("run%d%s", i+1, strings.Repeat("0", 28)), ExperimentID: s.exp.ID, Name: "mlp", Status: tracking.StatusFinished,
			Address: "training.mlp", Workspace: "default", Params: json.RawMessage(fmt.Sprintf(`{"lr":%g,"epochs":20,"hidden":%d}`, lr, 64*(i+1))),
			Started: t0.Add(time.Duration(i) * 10 * time.Minute), Finished: t0.Add(time.Duration(i)*10*time.Minute + 3*time.Minute)}
		if err := ts.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		logCurve(t, ts, r.ID, 0, 20, lr, acc)
	}
	if err := ts.UpdateRun(ctx, mustRun(t, ts, "run3"+strings.Repeat("0", 28), tracking.StatusFailed)); err != nil {
		t.Fatal(err)
	}
	s.live = tracking.Run{ID: "live" + strings.Repeat("0", 28), ExperimentID: s.exp.ID, Name: "mlp-live", Status: tracking.StatusRunning,
		Address: "training.mlp", Params: json.RawMessage(`{"lr":0.02,"epochs":20,"hidden":128}`), Started: time.Now().Add(-time.Minute).UTC()}
	if err := ts.CreateRun(ctx, s.live); err != nil {
		t.Fatal(err)
	}
	logCurve(t, ts, s.live.ID, 0, 6, 0.02, 0.95)
	if err := os.MkdirAll(filepath.Join(dir, "runs", s.live.ID, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "runs", s.live.ID, "logs", "rank-0.log"), []byte("rank 0: gloo backend, world size 2\nepoch 1 loss=1.21\n"), 0o644)

	// The model of examples/quickstart: three versions, production moved
	// by an apply, then through the API, and a refused move.
	for v := int64(1); v <= 3; v++ {
		run := fmt.Sprintf("run%d%s", v, strings.Repeat("0", 28))
		r, _ := ts.GetRun(ctx, run)
		if _, err := ts.CreateModelVersion(ctx, tracking.ModelVersion{Model: "digits", Version: v, RunID: run, ArtifactURI: fmt.Sprintf("file:///srv/team/.mltf/artifacts/models/digits/%d", v),
			Metrics: r.Metrics, Lineage: tracking.Lineage{RunID: run, Address: "training.mlp"}}); err != nil {
			t.Fatal(err)
		}
	}
	moves := []tracking.AliasMove{
		{To: 1, Who: "ana@laptop", Gates: json.RawMessage(`[{"gate":0,"passed":true,"values":"self.candidate.metrics.accuracy = 0.9, self.current = null","candidate":1}]`)},
		{From: 1, To: 2, Who: "ci-bot via mltf server", Gates: json.RawMessage(`[{"gate":0,"passed":true,"values":"self.candidate.metrics.accuracy = 0.93, self.current.metrics.accuracy = 0.9","candidate":2}]`)},
		{From: 2, To: 2, Who: "ana@laptop", Gates: json.RawMessage(`[{"gate":0,"passed":false,"message":"accuracy below the production bar","values":"self.candidate.metrics.accuracy = 0.88, self.current.metrics.accuracy = 0.93","candidate":3}]`)},
	}
	for i, m := range moves {
		m.Model, m.Alias, m.When = "digits", "production", t0.Add(time.Duration(i)*20*time.Minute)
		if _, err := ts.MoveAlias(ctx, m); err != nil {
			t.Fatal(err)
		}
	}

	s2 := state.New()
	model, err := os.ReadFile("../testdata/model-digits.json")
	if err != nil {
		t.Fatal(err)
	}
	s2.SetInstance("model.digits", "model", "digits", "registry", "", &state.Instance{Status: state.Ready, Attributes: model})
	ds, err := os.ReadFile("testdata/dataset-digits.json")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := os.ReadFile("testdata/dataset-digits-private.json")
	if err != nil {
		t.Fatal(err)
	}
	s2.SetInstance("dataset.digits", "dataset", "digits", "data", "", &state.Instance{Status: state.Ready, Attributes: ds, Private: priv})
	pipeline := fmt.Sprintf(`{"experiment":null,"parallel":null,"outputs":{"clean.clean.csv":"file:///srv/team/.mltf/artifacts/cas/sha256/8c53/clean.csv"},
		"steps":{"clean":{"key":"aa739ba380f98aa66256e434c61a03ce","outputs":{"clean.csv":"8c53b470"},"run_id":%q},
		"features":{"key":"b1c2d3e4f5a6b7c8d9e0","outputs":{"features.csv":"9d64c581"},"run_id":%q}}}`, "run1"+strings.Repeat("0", 28), "run2"+strings.Repeat("0", 28))
	s2.SetInstance("pipeline.features", "pipeline", "features", "local", "", &state.Instance{Status: state.Ready, Attributes: json.RawMessage(pipeline)})
	s2.SetInstance("sweep.lr", "sweep", "lr", "local", "", &state.Instance{Status: state.Ready, Attributes: json.RawMessage(`{"trials":10}`), Private: sweepPrivate().Encode()})
	if err := st.Write(ctx, "default", s2); err != nil {
		t.Fatal(err)
	}
	// The pipeline runner is the command's (mltf apply); here a neighbour
	// that prints what an apply prints.
	runner := func(ctx context.Context, r server.PipelineRun) error {
		for _, line := range []string{"pipeline.features: Modifying...", "pipeline.features: step clean cached", "pipeline.features: step features running", "Apply complete! Resources: 0 added, 1 changed, 0 destroyed."} {
			r.Output(line)
		}
		return nil
	}
	srv := httptest.NewServer(server.New(server.Options{Tracking: ts, State: st, Workspace: "default", WorkDir: dir, RunsDir: filepath.Join(dir, "runs"), Pipelines: runner}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// sweepPrivate is an ASHA sweep of eight trials as the sweep kind records
// it: four complete, two pruned at a rung, one failed, one running.
func sweepPrivate() sweep.Private {
	curve := func(final float64, steps int) []search.Point {
		var out []search.Point
		for s := 1; s <= steps; s++ {
			out = append(out, search.Point{Step: s, Value: final * (1 - math.Exp(-float64(s)/2.5)) / (1 - math.Exp(-9/2.5))})
		}
		return out
	}
	v := func(f float64) *float64 { return &f }
	trial := func(n int, state string, final float64, steps int, lr, hidden float64) sweep.Record {
		pts := curve(final, steps)
		r := sweep.Record{Number: n, Params: []float64{lr, hidden}, State: state, Points: pts, RunID: fmt.Sprintf("trial%d%s", n, strings.Repeat("0", 26))}
		if state == "complete" || state == "pruned" {
			r.Value = v(pts[len(pts)-1].Value)
		}
		return r
	}
	failed := trial(6, "failed", 0, 0, 0.3, 0)
	failed.Detail = "exit status 1: CUDA error: out of memory"
	return sweep.Private{
		Spec: sweep.Spec{Params: []string{"lr log_uniform [0.0001, 0.3]", "hidden values [32, 64, 128]"}, Objective: "maximize accuracy",
			Sampler: "tpe", Seed: 7, EarlyStopping: "asha (min_step 1, reduction_factor 3, max_step 9)", Trial: "4f1c"},
		Metric: "accuracy", Goal: "maximize", Trials: 10, Params: []string{"lr", "hidden"},
		Values: map[string][]json.RawMessage{"hidden": {json.RawMessage("32"), json.RawMessage("64"), json.RawMessage("128")}},
		Records: []sweep.Record{
			trial(0, "complete", 0.91, 9, 0.01, 1), trial(1, "pruned", 0.55, 1, 0.0002, 0), trial(2, "complete", 0.95, 9, 0.03, 2),
			trial(3, "pruned", 0.7, 3, 0.001, 1), trial(4, "complete", 0.88, 9, 0.005, 0), trial(5, "complete", 0.93, 9, 0.02, 2),
			failed, trial(7, "running", 0.94, 5, 0.025, 2),
		},
	}
}

func mustRun(t *testing.T, ts *tracking.Store, id, status string) tracking.Run {
	r, err := ts.GetRun(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	r.Status = status
	return r
}

// logCurve logs loss and accuracy curves of steps [from, to) and sets the
// final values.
func logCurve(t *testing.T, ts *tracking.Store, run string, from, to int, lr, acc float64) {
	t.Helper()
	var pts []tracking.MetricPoint
	for s := from; s < to; s++ {
		x := float64(s+1) / 20
		pts = append(pts,
			tracking.MetricPoint{Name: "loss", Step: int64(s), Value: 2.3*math.Exp(-40*lr*x) + 0.05},
			tracking.MetricPoint{Name: "accuracy", Step: int64(s), Value: acc * (1 - math.Exp(-4*x)) / (1 - math.Exp(-4))})
	}
	if err := ts.LogBatch(ctx, run, tracking.Batch{Metrics: pts}); err != nil {
		t.Fatal(err)
	}
}

// browser opens Chromium on the site with the token signed in through
// the login form.
func browser(t *testing.T, s *site) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.WindowSize(1360, 900),
		chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	tctx, cancel3 := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(cancel3)
	return tctx
}

func shot(t *testing.T, b context.Context, name string) {
	t.Helper()
	var png []byte
	if err := func() (err error) { png, err = chromedp.Run(b, chromedp.FullScreenshot(100)); return err }(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(screenshotDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

func text(t *testing.T, b context.Context, sel string) string {
	t.Helper()
	if err := chromedp.Do(b, chromedp.WaitVisible(sel)); err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	s, err := chromedp.Run(b, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return s
}

func count(t *testing.T, b context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(b, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantText(t *testing.T, b context.Context, sel string, wants ...string) {
	t.Helper()
	got := text(t, b, sel)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s shows %q, which lacks %q", sel, got, w)
		}
	}
}

// TestPages walks the UI in headless Chromium as a user would, checks what
// each page shows and saves a screenshot of each.
func TestPages(t *testing.T) {
	s := newSite(t)
	b := browser(t, s)

	// Sign in.
	if err := chromedp.Do(b, chromedp.Navigate(s.url+"/"), chromedp.WaitVisible("#login")); err != nil {
		t.Fatal(err)
	}
	shot(t, b, "01-login")
	if err := chromedp.Do(b, chromedp.SendKeys("#token", s.token), chromedp.Click("#login button"), chromedp.WaitVisible("#runs tbody tr")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "#who", "dashboards", "reader")

	// The runs table, then a search.
	if n := count(t, b, "#runs tbody tr"); n != 4 {
		t.Errorf("the runs table has %d rows, want 4", n)
	}
	wantText(t, b, "#runs thead", "ACCURACY", "LR")
	wantText(t, b, "#runs tbody", "mlp-live", "running", "failed", "digits")
	shot(t, b, "02-runs")
	if err := chromedp.Do(b, chromedp.SetValue(`input[name=filter]`, "metrics.accuracy >= 0.9"), chromedp.SetValue(`input[name=order_by]`, "metrics.accuracy DESC"),
		chromedp.Click("#search button[type=submit]"), chromedp.WaitVisible(`#runs`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the filtered table", func() bool { return count(t, b, "#runs tbody tr") == 2 })
	first := text(t, b, "#runs tbody tr:first-child")
	if !strings.Contains(first, "0.93") {
		t.Errorf("the best run first: the first row is %q", first)
	}
	shot(t, b, "03-runs-filtered")

	// Compare the two.
	if err := chromedp.Do(b, chromedp.Click(`#runs tbody tr:nth-child(1) input`), chromedp.Click(`#runs tbody tr:nth-child(2) input`),
		chromedp.Click("#compare"), chromedp.WaitVisible("#parallel")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "#compare-table", "params.lr", "metrics.accuracy", "0.05", "0.01")
	if n := count(t, b, "#parallel polyline"); n != 2 {
		t.Errorf("parallel coordinates draw %d runs, want 2", n)
	}
	if n := count(t, b, `.chart[data-metric="loss"] path`); n != 2 {
		t.Errorf("the compared loss curves: %d lines, want 2", n)
	}
	shot(t, b, "04-compare")

	// The running run: its curves grow while it logs.
	if err := chromedp.Do(b, chromedp.Navigate(s.url+"/runs/"+s.live.ID), chromedp.WaitVisible(`.chart[data-metric="loss"]`)); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "h1", "mlp-live", "running", "live")
	wantText(t, b, "#params", "lr", "0.02", "hidden")
	wantText(t, b, "#log", "gloo backend")
	before := points(t, b, "loss")
	logCurve(t, s.ts, s.live.ID, 6, 14, 0.02, 0.95)
	waitFor(t, b, "the live loss curve to grow", func() bool { return points(t, b, "loss") > before })
	if got := points(t, b, "loss"); got != 14 {
		t.Errorf("the live loss curve has %d points, want 14", got)
	}
	shot(t, b, "05-run-live")
	r := mustRun(t, s.ts, s.live.ID, tracking.StatusFinished)
	r.Finished = time.Now().UTC()
	if err := s.ts.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the page to see the run finish", func() bool { return strings.Contains(text(t, b, "h1"), "finished") })

	// Models.
	if err := chromedp.Do(b, chromedp.Click(`header a[data-nav=models]`), chromedp.WaitVisible("#models tbody tr")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "#models", "digits", "production → 2")
	shot(t, b, "06-models")
	if err := chromedp.Do(b, chromedp.Click(`#models a`), chromedp.WaitVisible("#history")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "#gates", "self.candidate.metrics.accuracy >= 0.9", "accuracy below the production bar", "main.mltf.hcl:59")
	wantText(t, b, "#versions", "training.mlp")
	wantText(t, b, "#history", "ci-bot via mltf server", "1 → 2", "stays at 2", "refused", "accuracy below the production bar")
	if n := count(t, b, "#versions tbody tr"); n != 3 {
		t.Errorf("%d versions shown, want 3", n)
	}
	shot(t, b, "07-model")

	// Pipelines, with a run started through the API.
	req, _ := http.NewRequest("POST", s.url+"/api/v1/pipelines/runs", strings.NewReader(`{"pipeline_id":"features","config":{"window":14}}`))
	req.Header.Set("Authorization", "Bearer "+s.writer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("starting a pipeline run: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := chromedp.Do(b, chromedp.Click(`header a[data-nav=pipelines]`), chromedp.WaitVisible("#pipeline-runs tbody tr")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "#pipelines", "pipeline.features", "clean", "features", "clean.csv")
	waitFor(t, b, "the pipeline run to succeed", func() bool { return strings.Contains(text(t, b, "#pipeline-runs"), "succeeded") })
	wantText(t, b, "#pipeline-runs", "ci-bot via mltf server", `{"window":14}`)
	if err := chromedp.Do(b, chromedp.Click("#pipeline-runs summary")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "#pipeline-runs pre", "Apply complete!")
	shot(t, b, "10-pipelines")

	// Sweeps: the list, then one sweep's trials, best first.
	if err := chromedp.Do(b, chromedp.Click(`header a[data-nav=sweeps]`), chromedp.WaitVisible("#sweeps tbody tr")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "#sweeps", "sweep.lr", "maximize accuracy", "tpe", "asha", "8/10", "accuracy 0.95 (trial 2)")
	shot(t, b, "11-sweeps")
	if err := chromedp.Do(b, chromedp.Click(`#sweeps a`), chromedp.WaitVisible("#trials")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "h1", "sweep.lr", "running")
	wantText(t, b, ".kv", "lr log_uniform [0.0001, 0.3]", "4 complete, 2 pruned, 1 failed, 1 running", "accuracy 0.95 (trial 2)")
	order, err := chromedp.Run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#trials tr[data-trial]')].map((r) => r.dataset.trial + ' ' + r.dataset.state)`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[2 complete 5 complete 0 complete 4 complete 3 pruned 1 pruned 7 running 6 failed]"; fmt.Sprint(order) != want {
		t.Errorf("trials in the order %v, want %s", order, want)
	}
	wantText(t, b, `#trials tr[data-trial="2"]`, "best", "0.03", "128", "9")
	wantText(t, b, "#trials", "CUDA error: out of memory")
	if n := count(t, b, `.chart[data-metric="accuracy by step, per trial"] path`); n != 6 {
		t.Errorf("the chart draws %d curves, want 6 (and a dot for the trial pruned at step 1)", n)
	}
	if n := count(t, b, `.chart[data-metric="accuracy by step, per trial"] path[stroke="#adb5bd"]`); n != 1 {
		t.Errorf("%d grey curves of pruned trials past step 1, want 1", n)
	}
	shot(t, b, "12-sweep")

	// Datasets.
	if err := chromedp.Do(b, chromedp.Click(`header a[data-nav=datasets]`), chromedp.WaitVisible("#datasets tbody tr")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "#datasets", "dataset.digits", "drift")
	shot(t, b, "08-datasets")
	if err := chromedp.Do(b, chromedp.Click(`#datasets a`), chromedp.WaitVisible("#columns")); err != nil {
		t.Fatal(err)
	}
	wantText(t, b, "#columns", "label", "int64", "p14")
	wantText(t, b, "#dataset-versions", "900")
	if n := count(t, b, "#columns .bar.drift"); n == 0 {
		t.Error("no drifted column is marked")
	}
	shot(t, b, "09-dataset")
}

// points is how many points the chart of metric shows.
func points(t *testing.T, b context.Context, metric string) int {
	t.Helper()
	a, err := chromedp.Run(b, chromedp.AttributeValue(fmt.Sprintf(`.chart[data-metric=%q]`, metric), "data-points"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(a.Value)
	return n
}

func waitFor(t *testing.T, b context.Context, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		if err := chromedp.Do(b, chromedp.Sleep(200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
}
