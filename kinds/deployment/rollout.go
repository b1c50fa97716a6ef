package deployment

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/serving"
)

// Backend runs what serves a deployment: a front end and the workers of
// each served version. The rollout is the kind's; a backend only starts,
// finds and stops things.
type Backend interface {
	// Name is the provider's name, for messages.
	Name() string
	// Check says at plan what will not work where the deployment goes.
	Check(d *Deployment) providers.Diagnostics
	// URL is the front end's base URL, known at plan.
	URL(d *Deployment) string
	// FrontEnd returns the running front end of d, starting one that
	// serves nothing when none runs.
	FrontEnd(ctx context.Context, d *Deployment, baseline *serving.Baseline) (*serving.Client, error)
	// Running returns the running front end of d; false when none runs.
	Running(ctx context.Context, d *Deployment) (*serving.Client, bool)
	// Version makes what serves v (its files, its objects) and returns it
	// as the front end takes it, with weight 0.
	Version(ctx context.Context, d *Deployment, v Served) (serving.Version, error)
	// Retire removes what Version made for version v, once the front end
	// no longer serves it.
	Retire(ctx context.Context, d *Deployment, v int64) error
	// Settle records versions as what the front end serves once a rollout
	// ends, so that a front end started again serves them.
	Settle(ctx context.Context, d *Deployment, versions []serving.Version) error
	// Destroy stops the front end and removes everything of d.
	Destroy(ctx context.Context, d *Deployment) error
}

// Deployment is one deployment as the kind hands it to its backend.
type Deployment struct {
	Address  string
	Config   *Config
	Settings providers.Settings
}

// Outcome is how a rollout ended.
type Outcome struct {
	Serving int64  // the version taking the traffic now
	State   string // complete, rolled_back
	Step    string
	Traffic map[int64]int
	Detail  string
	// Failed is the broken bound with its numbers, when rolled back.
	Failed string
	// Candidate is the version rolled out.
	Candidate int64
}

// Where says where the traffic is after a rollback, for messages: on the
// stable version, or nowhere when the candidate was the first version.
func (o Outcome) Where() string {
	if o.Serving != 0 {
		return fmt.Sprintf("traffic is back on version %d", o.Serving)
	}
	return fmt.Sprintf("nothing serves: version %d was the deployment's first version, so there is none to go back to", o.Candidate)
}

// readyTimeout bounds how long a new version may take to get its workers
// ready.
const readyTimeout = 5 * time.Minute

// rollout moves a front end from its stable version to a candidate.
type rollout struct {
	fe       *serving.Client
	strategy Strategy
	baseline *serving.Baseline
	stable   *serving.Version // nil: nothing served yet
	cand     serving.Version
	progress func(string)
	// poll is how often the analysis reads the counts.
	poll time.Duration
	// ready bounds how long the candidate may take to get its workers
	// ready; 0 is readyTimeout.
	ready time.Duration
}

// set makes the front end serve versions, with note in its timeline.
func (r *rollout) set(ctx context.Context, note string, versions ...serving.Version) error {
	_, err := r.fe.Apply(ctx, versions, note)
	return err
}

func weighted(v serving.Version, weight, shadow int) serving.Version {
	v.Weight, v.Shadow = weight, shadow
	return v
}

// watch analyses the candidate for d, failing as soon as a bound breaks.
func (r *rollout) watch(ctx context.Context, label string, d time.Duration, shadow bool) (Verdict, error) {
	from, err := r.fe.Stats(ctx)
	if err != nil {
		return Verdict{}, err
	}
	deadline := time.Now().Add(d)
	lastReport := time.Now()
	for {
		select {
		case <-ctx.Done():
			return Verdict{}, ctx.Err()
		case <-time.After(r.poll):
		}
		to, err := r.fe.Stats(ctx)
		if err != nil {
			return Verdict{}, err
		}
		v := r.strategy.Analysis.Judge(Window{From: from, To: to}, r.cand.Version, shadow, r.baseline)
		if v.Failed != "" {
			return v, nil
		}
		if time.Since(lastReport) >= 2*time.Second {
			r.progress(fmt.Sprintf("%s: %s", label, v.Summary()))
			lastReport = time.Now()
		}
		if !time.Now().Before(deadline) {
			return v, nil
		}
	}
}

// run carries the rollout out.
func (r *rollout) run(ctx context.Context) (Outcome, error) {
	c := r.cand.Version
	if err := r.set(ctx, fmt.Sprintf("version %d starts", c), r.versions(100, 0, 0)...); err != nil {
		return Outcome{}, err
	}
	ready := r.ready
	if ready == 0 {
		ready = readyTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, ready)
	_, err := r.fe.WaitReady(rctx, c, true)
	cancel()
	if err != nil {
		return r.notReady(ctx, ready)
	}
	if r.stable == nil {
		err := r.set(ctx, fmt.Sprintf("version %d serves", c), weighted(r.cand, 100, 0))
		return Outcome{Serving: c, State: "complete", Step: "100%", Traffic: map[int64]int{c: 100}}, err
	}
	s := r.stable.Version
	switch r.strategy.Name {
	case "canary":
		for _, p := range r.strategy.Steps {
			label := fmt.Sprintf("canary %d%%", p)
			if err := r.set(ctx, fmt.Sprintf("%s: version %d", label, c), r.versions(100-p, p, 0)...); err != nil {
				return Outcome{}, err
			}
			v, err := r.watch(ctx, label, r.strategy.Interval, false)
			if err != nil {
				return Outcome{}, err
			}
			if v.Failed != "" {
				return r.back(ctx, label, v.Failed)
			}
		}
	case "blue_green":
		v, err := r.watch(ctx, "blue-green preview", r.strategy.Interval, false)
		if err != nil {
			return Outcome{}, err
		}
		if v.Failed != "" {
			return r.back(ctx, "blue-green preview", v.Failed)
		}
		if err := r.set(ctx, fmt.Sprintf("blue-green: switch to version %d", c), r.versions(0, 100, 0)...); err != nil {
			return Outcome{}, err
		}
		if v, err = r.watch(ctx, "blue-green rollback window", r.strategy.RollbackWindow, false); err != nil {
			return Outcome{}, err
		}
		if v.Failed != "" {
			return r.back(ctx, "blue-green rollback window", v.Failed)
		}
	case "shadow":
		label := fmt.Sprintf("shadow %d%%", r.strategy.Percent)
		if err := r.set(ctx, fmt.Sprintf("%s: version %d", label, c), r.versions(100, 0, r.strategy.Percent)...); err != nil {
			return Outcome{}, err
		}
		v, err := r.watch(ctx, label, r.strategy.Interval, true)
		if err != nil {
			return Outcome{}, err
		}
		if v.Failed != "" {
			return r.back(ctx, label, v.Failed)
		}
	}
	if err := r.set(ctx, fmt.Sprintf("version %d serves; version %d stops", c, s), weighted(r.cand, 100, 0)); err != nil {
		return Outcome{}, err
	}
	return Outcome{Serving: c, State: "complete", Step: "100%", Traffic: map[int64]int{c: 100}}, nil
}

// versions are the stable version with weight stable and the candidate
// with weight cand and shadow share.
func (r *rollout) versions(stable, cand, shadow int) []serving.Version {
	var out []serving.Version
	if r.stable != nil {
		out = append(out, weighted(*r.stable, stable, 0))
	}
	return append(out, weighted(r.cand, cand, shadow))
}

// back rolls back to the stable version after a bound broke at step: all
// traffic to it, the candidate stopped.
func (r *rollout) back(ctx context.Context, step, failed string) (Outcome, error) {
	return r.end(ctx, step, failed, fmt.Sprintf("version %d rolled back at %s: %s", r.cand.Version, step, failed))
}

// notReady stops a candidate whose workers did not become ready within
// timeout, before it took any traffic: the stable version serves on, or,
// when the candidate is the deployment's first version, nothing serves
// and nothing was rolled back.
func (r *rollout) notReady(ctx context.Context, timeout time.Duration) (Outcome, error) {
	c := r.cand.Version
	failed := fmt.Sprintf("version %d did not become ready within %s; see its workers' logs", c, timeout)
	note := fmt.Sprintf("version %d rolled back before it took traffic: it did not become ready within %s (see its workers' logs)", c, timeout)
	if r.stable == nil {
		note = fmt.Sprintf("version %d never became ready within %s (see its workers' logs); it is the deployment's first version, so nothing serves", c, timeout)
	}
	return r.end(ctx, "not ready", failed, note)
}

// end stops the candidate, with note in the front end's timeline: all
// traffic goes back to the stable version, or nowhere when there is none.
func (r *rollout) end(ctx context.Context, step, failed, note string) (Outcome, error) {
	c := r.cand.Version
	if r.stable == nil {
		err := r.set(ctx, note)
		return Outcome{State: "rolled_back", Step: step, Traffic: map[int64]int{}, Detail: note, Failed: failed, Candidate: c}, err
	}
	err := r.set(context.WithoutCancel(ctx), note, weighted(*r.stable, 100, 0))
	return Outcome{Serving: r.stable.Version, State: "rolled_back", Step: step, Traffic: map[int64]int{r.stable.Version: 100}, Detail: note, Failed: failed, Candidate: c}, err
}

// stableOf is the version of spec that takes the most traffic, if any.
func stableOf(spec serving.Spec) *serving.Version {
	vs := append([]serving.Version(nil), spec.Versions...)
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Weight > vs[j].Weight })
	if len(vs) == 0 || vs[0].Weight == 0 {
		return nil
	}
	return &vs[0]
}

func trafficString(t map[int64]int) string {
	var keys []int64
	for k := range t {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, "v"+strconv.FormatInt(k, 10)+" "+strconv.Itoa(t[k])+"%")
	}
	return strings.Join(parts, ", ")
}
