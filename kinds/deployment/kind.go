package deployment

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/sdk"
	"github.com/mltf/mltf/serving"
)

// Kind is the deployment kind carried out by b, for a provider's
// sdk.Provider.Kinds; settings returns the provider's configured settings.
func Kind(b Backend, settings func() providers.Settings) *sdk.Kind {
	k := &kind{b: b, settings: settings, poll: 200 * time.Millisecond}
	return &sdk.Kind{
		Schema:      Schema(),
		Version:     1,
		LongRunning: true,
		Validate: func(ctx context.Context, config cty.Value) providers.Diagnostics {
			_, diags := Decode(config)
			return diags
		},
		ReplaceOn: []cty.Path{cty.GetAttrPath("listen"), cty.GetAttrPath("replicas"), cty.GetAttrPath("batching"), cty.GetAttrPath("worker"), cty.GetAttrPath("image")},
		Plan:      k.plan,
		Create:    k.apply,
		Update:    k.apply,
		Delete:    k.delete,
		Read:      k.read,
	}
}

type kind struct {
	b        Backend
	settings func() providers.Settings
	poll     time.Duration
}

func unknownFacts() map[string]cty.Value {
	return map[string]cty.Value{
		"serving_version": cty.UnknownVal(cty.Number), "rollout": cty.UnknownVal(rolloutType()),
	}
}

func (k *kind) deployment(address string, c *Config) *Deployment {
	return &Deployment{Address: address, Config: c, Settings: k.settings()}
}

func (k *kind) plan(ctx context.Context, p *sdk.Plan) providers.Diagnostics {
	c, diags := Decode(p.Config)
	facts := unknownFacts()
	d := k.deployment(p.Address, c)
	url := k.b.URL(d)
	for name, v := range urls(url) {
		facts[name] = v
	}
	if diags.HasErrors() {
		p.Planned = ctyval.With(p.Config, facts)
		return diags
	}
	diags = append(diags, k.b.Check(d)...)
	what := fmt.Sprintf("model %s", c.Model)
	switch {
	case c.Target == 0 && c.Alias != "":
		what = fmt.Sprintf("the version alias %s of model %s points at after apply", c.Alias, c.Model)
	case c.Version != 0:
		what = fmt.Sprintf("version %d of model %s (pinned)", c.Version, c.Model)
	case c.Target != 0:
		what = fmt.Sprintf("version %d of model %s (alias %s)", c.Target, c.Model, c.Alias)
	}
	if p.Create() || len(p.RequiresReplace) > 0 {
		p.Planned = ctyval.With(p.Config, facts)
		behind := url
		if behind == "" {
			behind = "a front end whose address is known after apply"
		}
		p.Reasons = append(p.Reasons, fmt.Sprintf("serves %s: %d replica(s) behind %s", what, c.Replicas, behind))
		return diags
	}
	serving := int64(ctyval.Int(p.Prior.GetAttr("serving_version")))
	keep := func() providers.Diagnostics {
		p.Planned = ctyval.With(p.Config, withURLs(url, map[string]cty.Value{
			"serving_version": p.Prior.GetAttr("serving_version"), "rollout": p.Prior.GetAttr("rollout"),
		}))
		return diags
	}
	switch {
	case c.Target == 0:
		p.Planned = ctyval.With(p.Config, facts)
		p.Reasons = []string{"the version to serve is known after apply (the model changes first)"}
		return diags
	case c.Target == serving:
		return keep()
	}
	if f, ok := k.refused(ctx, c, p.Address); ok && f.matches(c) {
		diags = append(diags, f.warning(c, serving))
		p.Reasons = append(p.Reasons, fmt.Sprintf("keeps serving version %d and rolls out nothing: version %d was rolled back", serving, c.Target))
		return keep()
	}
	p.Planned = ctyval.With(p.Config, facts)
	if c.Target < serving {
		by := fmt.Sprintf("alias %s", c.Alias)
		if c.Version != 0 {
			by = fmt.Sprintf("pinned by version = %d", c.Version)
		}
		p.Reasons = []string{fmt.Sprintf("rolls back version %d -> %d (%s): all at once, once version %d is ready", serving, c.Target, by, c.Target)}
		return diags
	}
	p.Reasons = []string{fmt.Sprintf("rolls out version %d -> %d: %s", serving, c.Target, c.Strategy.Describe())}
	return diags
}

func (k *kind) apply(ctx context.Context, ch *sdk.Change) (cty.Value, providers.Diagnostics) {
	c, diags := Decode(ch.Config)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	if c.Target == 0 {
		return cty.NilVal, diags.Errorf("No version to serve", "alias %q of model %s points at no version.", c.Alias, c.Model)
	}
	d := k.deployment(ch.Address, c)
	// What plan warned of holds at apply too (a cluster that cannot feed
	// an autoscaler its metrics), and is said again where apply ends.
	if diags = append(diags, k.b.Check(d)...); diags.HasErrors() {
		return cty.NilVal, diags
	}
	reg, err := openRegistry(ctx, d.Settings)
	if err != nil {
		return cty.NilVal, diags.FromError("Cannot open the model registry", err)
	}
	defer reg.close()
	if f, ok := reg.lastRefusal(ctx, c.Model, ch.Address); ok && f.matches(c) && !ch.Prior.IsNull() {
		// The version was rolled back: record the configuration, serve on.
		return ctyval.With(ch.Config, map[string]cty.Value{
			"url": ch.Prior.GetAttr("url"), "metrics_url": ch.Prior.GetAttr("metrics_url"),
			"serving_version": ch.Prior.GetAttr("serving_version"), "rollout": ch.Prior.GetAttr("rollout"),
		}), append(diags, f.warning(c, int64(ctyval.Int(ch.Prior.GetAttr("serving_version")))))
	}
	served, err := reg.served(ctx, c.Model, c.Target, filepath.Join(d.Settings.WorkDir, ".mltf", "deployments", "cache", c.Model))
	if err != nil {
		return cty.NilVal, diags.FromError("Cannot serve the model version", err)
	}
	if served.Baseline == nil && c.Strategy.Analysis.MaxInputDrift != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Input drift is not measured",
			Detail: fmt.Sprintf("max_input_drift needs the training data of version %d: %s.", c.Target, served.Why)})
	}
	fe, err := k.b.FrontEnd(ctx, d, served.Baseline)
	if err != nil {
		return cty.NilVal, diags.FromError("Cannot start the front end", err)
	}
	spec, err := fe.Spec(ctx)
	if err != nil {
		return cty.NilVal, diags.FromError("Cannot read the front end", err)
	}
	cand, err := k.b.Version(ctx, d, served)
	if err != nil {
		return cty.NilVal, diags.FromError("Cannot prepare the version's workers", err)
	}
	r := &rollout{fe: fe, strategy: c.Strategy, baseline: spec.Baseline, stable: stableOf(spec), cand: cand, poll: k.poll,
		progress: func(line string) { ch.Progress(providers.Progress{Message: line}) }}
	if r.stable != nil && r.stable.Version == cand.Version {
		// The version served already (the strategy or the pin changed):
		// nothing rolls out; leftovers of an interrupted rollout go.
		out := Outcome{Serving: cand.Version, State: "complete", Step: "100%", Traffic: map[int64]int{cand.Version: 100}}
		if err := r.set(ctx, "", weighted(*r.stable, 100, 0)); err != nil {
			return cty.NilVal, diags.FromError("Cannot set the front end's traffic", err)
		}
		k.settle(ctx, d, fe, &diags)
		return ctyval.With(ch.Config, withURLs(k.b.URL(d), map[string]cty.Value{
			"serving_version": servingValue(out.Serving), "rollout": rolloutValue(out),
		})), diags
	}
	if c.Target != 0 && r.stable != nil && c.Target < r.stable.Version {
		r.strategy = Strategy{Name: "all_at_once", Analysis: Analysis{MinRequests: 1}} // a rollback by plan
	}
	ch.Progress(providers.Progress{Message: describeStart(r, c)})
	out, err := r.run(ctx)
	if err != nil {
		out, _ = r.back(context.WithoutCancel(ctx), "interrupted", err.Error())
		diags = diags.FromError("Rollout interrupted", fmt.Errorf("%v; %s", err, out.Where()))
	}
	for _, v := range append(spec.Versions, cand) {
		if v.Version != out.Serving {
			_ = k.b.Retire(context.WithoutCancel(ctx), d, v.Version)
		}
	}
	if out.State == "complete" && out.Serving == cand.Version && r.stable != nil {
		// Input drift follows the version serving now: its training data.
		note := fmt.Sprintf("input drift now measured against the training data of version %d", cand.Version)
		if served.Baseline == nil {
			note = fmt.Sprintf("input drift not measured: no training data of version %d (%s)", cand.Version, served.Why)
		}
		if err := fe.SetBaseline(context.WithoutCancel(ctx), served.Baseline, note); err != nil {
			diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Input drift still measured against the old training data",
				Detail: fmt.Sprintf("The front end did not take version %d's baseline: %v.", cand.Version, err)})
		}
	}
	k.settle(context.WithoutCancel(ctx), d, fe, &diags)
	value := ctyval.With(ch.Config, withURLs(k.b.URL(d), map[string]cty.Value{
		"serving_version": servingValue(out.Serving), "rollout": rolloutValue(out),
	}))
	passed := out.State == "complete"
	if hist := reg.record(context.WithoutCancel(ctx), c.Model, ch.Address, cand.Version, historyNote(out, r), c.Strategy.Describe(), passed); hist != nil {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "The registry's history was not written", Detail: hist.Error()})
	}
	if passed {
		return value, diags
	}
	switch {
	case diags.HasErrors():
	case out.Serving == 0:
		// The first version: there was nothing to roll back to.
		diags = diags.Errorf(fmt.Sprintf("Version %d never became ready", out.Candidate), "%s%s; mltf models history %s shows the attempt.", strings.ToUpper(out.Detail[:1]), out.Detail[1:], c.Model)
	default:
		diags = diags.Errorf("Rollout rolled back", "%s. %s%s; mltf models history %s shows the rollout.", out.Detail, strings.ToUpper(out.Where()[:1]), out.Where()[1:], c.Model)
	}
	// The deployment is as it was before this apply, serving the stable
	// version: its state stays (a failed apply of a new value would taint
	// it, and a tainted deployment is replaced).
	return cty.NilVal, diags
}

// settle records what the front end serves now with the backend; a
// failure is a warning, since the front end serves on.
func (k *kind) settle(ctx context.Context, d *Deployment, fe *serving.Client, diags *providers.Diagnostics) {
	spec, err := fe.Spec(ctx)
	if err == nil {
		err = k.b.Settle(ctx, d, spec.Versions)
	}
	if err != nil {
		*diags = append(*diags, providers.Diagnostic{Severity: providers.Warning, Summary: "What the front end serves was not recorded",
			Detail: fmt.Sprintf("A restarted front end may not serve the versions it serves now: %v. The next mltf apply records them again.", err)})
	}
}

// urls are the url and metrics_url attributes of a front end at url;
// unknown while url is "" (the address is known after apply).
func urls(url string) map[string]cty.Value {
	if url == "" {
		return map[string]cty.Value{"url": cty.UnknownVal(cty.String), "metrics_url": cty.UnknownVal(cty.String)}
	}
	return map[string]cty.Value{"url": cty.StringVal(url), "metrics_url": cty.StringVal(url + "/metrics")}
}

func withURLs(url string, facts map[string]cty.Value) map[string]cty.Value {
	for name, v := range urls(url) {
		facts[name] = v
	}
	return facts
}

// matches says the refusal is of the version c would roll out, under the
// same strategy, and c does not pin it.
func (f Refusal) matches(c *Config) bool {
	return f.Candidate == c.Target && f.Strategy == c.Strategy.Describe() && c.Version == 0
}

func (f Refusal) warning(c *Config, serving int64) providers.Diagnostic {
	return providers.Diagnostic{Severity: providers.Warning, Summary: fmt.Sprintf("Version %d was rolled back; still serving version %d", c.Target, serving),
		Detail: fmt.Sprintf("%s (%s). It is not rolled out again while alias %s points at it: register a newer version, change the strategy, or set version = %d to force it.",
			f.Note, f.When.UTC().Format(time.RFC3339), c.Alias, c.Target)}
}

// refused reads the deployment's last rollout from the registry's
// history when it was rolled back.
func (k *kind) refused(ctx context.Context, c *Config, address string) (Refusal, bool) {
	reg, err := openRegistry(ctx, k.settings())
	if err != nil {
		return Refusal{}, false
	}
	defer reg.close()
	return reg.lastRefusal(ctx, c.Model, address)
}

func describeStart(r *rollout, c *Config) string {
	if r.stable == nil {
		return fmt.Sprintf("version %d starts (%d replicas)", r.cand.Version, c.Replicas)
	}
	return fmt.Sprintf("version %d -> %d: %s", r.stable.Version, r.cand.Version, r.strategy.Describe())
}

func historyNote(out Outcome, r *rollout) string {
	if out.State == "complete" {
		if r.stable == nil {
			return fmt.Sprintf("serving version %d", out.Serving)
		}
		return fmt.Sprintf("rolled out version %d (%s)", out.Serving, r.strategy.Describe())
	}
	return out.Detail
}

func servingValue(v int64) cty.Value {
	if v == 0 {
		return cty.NullVal(cty.Number)
	}
	return cty.NumberIntVal(v)
}

func rolloutValue(o Outcome) cty.Value {
	t := map[string]cty.Value{}
	for v, w := range o.Traffic {
		t[strconv.FormatInt(v, 10)] = cty.NumberIntVal(int64(w))
	}
	traffic := cty.MapValEmpty(cty.Number)
	if len(t) > 0 {
		traffic = cty.MapVal(t)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"state": cty.StringVal(o.State), "step": cty.StringVal(o.Step), "traffic": traffic, "detail": cty.StringVal(o.Detail),
	})
}

func (k *kind) delete(ctx context.Context, ch *sdk.Change) providers.Diagnostics {
	var diags providers.Diagnostics
	c, _ := Decode(ch.Prior)
	if err := k.b.Destroy(ctx, k.deployment(ch.Address, c)); err != nil {
		return diags.FromError("Cannot stop the deployment", err)
	}
	return diags
}

// read finds the front end: a deployment whose front end is gone reads as
// gone, and the next plan starts it again; one that serves another version
// than the state says (stopped mid-rollout) reads as serving that one.
func (k *kind) read(ctx context.Context, r *sdk.Read) (cty.Value, providers.Diagnostics) {
	c, diags := Decode(r.Current)
	if diags.HasErrors() {
		return r.Current, nil
	}
	fe, ok := k.b.Running(ctx, k.deployment(r.Address, c))
	if !ok {
		return cty.NullVal(r.Current.Type()), nil
	}
	spec, err := fe.Spec(ctx)
	if err != nil {
		return r.Current, nil
	}
	s := stableOf(spec)
	if s == nil || int64(ctyval.Int(r.Current.GetAttr("serving_version"))) == s.Version {
		return r.Current, nil
	}
	t := map[int64]int{}
	total := 0
	for _, v := range spec.Versions {
		total += v.Weight
	}
	for _, v := range spec.Versions {
		t[v.Version] = 100 * v.Weight / total
	}
	return ctyval.With(r.Current, map[string]cty.Value{
		"serving_version": cty.NumberIntVal(s.Version),
		"rollout":         rolloutValue(Outcome{State: "interrupted", Step: "-", Traffic: t}),
	}), nil
}
