package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/zclconf/go-cty/cty"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	"github.com/mltf/mltf/providers/runflow"
	"github.com/mltf/mltf/state/tracking"
)

// backend runs gangs on the cluster: per run a headless Service, a
// ConfigMap (launcher, helper, code) and an Indexed Job per attempt with
// one pod per node, supervised through the namespace's shared watches
// while apply runs.
type backend struct{ p *Provider }

var _ runflow.Backend = (*backend)(nil)

// location is where a run's objects are, kept in its private data.
type location struct {
	Namespace string `json:"namespace,omitempty"`
	Job       string `json:"job,omitempty"`
	Attempt   int    `json:"attempt,omitempty"`
}

func locationOf(where json.RawMessage) location {
	var l location
	if len(where) > 0 {
		json.Unmarshal(where, &l)
	}
	return l
}

func (b *backend) Name() string { return providerName }

// Decode reads a training's configuration for the run flow: the pods read
// data sets at their URIs, not at this machine's paths.
func (b *backend) Decode(v cty.Value) (*runflow.Config, providers.Diagnostics) {
	c, diags := decodeTraining(v)
	return &runflow.Config{Config: c.Config, Backend: c.ResolvedBackend(), Placement: c}, diags
}

func config(r *runflow.Run) *trainingConfig { return r.Config.Placement.(*trainingConfig) }

// Check says whether the code can be shipped and what will not work as
// the user may expect on a cluster.
func (b *backend) Check(r *runflow.Run, create bool) providers.Diagnostics {
	var diags providers.Diagnostics
	c := config(r)
	if r.Planned.Inputs != nil && !c.Options.CodeInImage {
		if _, err := archive(c.CodePath(r.Settings.WorkDir), r.Planned.Code); err != nil {
			diags = diags.AttrError(ctyval.Attr("code"), "Cannot ship the code", err.Error())
		}
	}
	if create {
		diags = append(diags, podWarnings(c, r.Planned.Data)...)
	}
	return diags
}

func (b *backend) Describe(rc *runflow.Config) string {
	c := rc.Placement.(*trainingConfig)
	ns := c.Namespace()
	if ns == "" {
		ns = "the pool's namespace"
	}
	return fmt.Sprintf("%s, an Indexed Job of %d %s and a headless Service in %s",
		training.Shape(c.Nodes, c.ProcsPerNode, rc.Backend), c.Nodes, training.Plural(c.Nodes, "pod", "pods"), ns)
}

func (b *backend) Locate(where json.RawMessage) string {
	l := locationOf(where)
	return fmt.Sprintf(" (Job %s/%s)", l.Namespace, l.Job)
}

func (b *backend) Finished(r *runflow.Run, tracked *training.RunFacts) (training.RunFacts, bool) {
	if tracked == nil {
		return training.RunFacts{}, false
	}
	return *tracked, true
}

// podWarnings are what will not work as the user may expect on a cluster.
func podWarnings(c *trainingConfig, data map[string]training.DataRef) providers.Diagnostics {
	var diags providers.Diagnostics
	for _, name := range training.SortedKeys(data) {
		if r := data[name]; r.Known && training.IsLocal(r.Location) {
			diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Attribute: ctyval.Attr("data").Index(cty.StringVal(name)),
				Summary: "Local data on a cluster",
				Detail:  fmt.Sprintf("data.%s is a file of this machine (%s), which pods cannot read; use an object-store URI, or ship it inside code or the image.", name, r.Location)})
		}
	}
	if c.Options.CheckpointVolume == "" && c.Options.CheckpointURI == "" && c.RetryInfra+c.RetryUser > 0 {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Attribute: ctyval.Attr("options"),
			Summary: "Checkpoints do not survive a restart",
			Detail:  "without options { checkpoint_volume } or { checkpoint_uri } checkpoints live in the pods, so a gang restart starts the training over; name a ReadWriteMany PersistentVolumeClaim or an object-store URI."})
	}
	return diags
}

// hub returns the watches of the run's namespace, synced.
func (b *backend) hub(ctx context.Context, ns string) (*conn, *hub, error) {
	if ns == "" {
		return nil, nil, runflow.Errorf("No namespace for the training", "the pool has no namespace; point pool at a pool of a kubernetes cluster")
	}
	conn, err := b.p.connection()
	if err != nil {
		return nil, nil, &runflow.Error{Summary: "Cannot reach the Kubernetes cluster", Err: err}
	}
	h := conn.hub(ns)
	if err := h.wait(ctx); err != nil {
		return nil, nil, runflow.Errorf("Cannot watch the namespace", "%s", explain(err))
	}
	return conn, h, nil
}

// spec is what renders r's objects. The variables whose values are
// sensitive (env values derived from sensitive variables, MLTF_PARAMS
// holding one) go into the run's Secret, and the Job refers to them by key.
func spec(r *runflow.Run) *runSpec {
	s := &runSpec{Address: r.Address, Workspace: r.Settings.Workspace, RunID: r.ID, Fingerprint: r.Fingerprint(), Attempt: 1,
		Config: config(r), Inputs: r.Planned.Inputs, Data: r.Planned.Data, ArtifactsURL: r.Settings.ArtifactsURL}
	s.setSecrets(r.Sensitive)
	return s
}

// setSecrets works out from the sensitive paths which variables go into
// the run's Secret.
func (s *runSpec) setSecrets(sensitive []cty.Path) error {
	params := []byte("{}")
	if s.Inputs != nil {
		params = s.Inputs.Params
	}
	_, s.Secrets = s.Config.LaunchEnv(training.SecretsOf(sensitive), params)
	return nil
}

// FindLive finds the Job an apply killed before it saved the run left:
// one of this address and fingerprint that has not ended, or that
// succeeded with no apply following its end (launching again would run
// the same inputs twice). Following the adopted run completes it
// (last metrics, a step's outputs) as the killed apply would have.
func (b *backend) FindLive(ctx context.Context, r *runflow.Run, w *runflow.Watch) (runflow.Gang, bool, error) {
	conn, h, err := b.hub(ctx, config(r).Namespace())
	if err != nil {
		return nil, false, err
	}
	job := findLiveJob(h, r.Address, r.Settings.Workspace, r.Fingerprint())
	if job == nil {
		return nil, false, nil
	}
	sp := spec(r)
	sp.RunID = job.Labels[labelRunID]
	sp.Attempt, _ = strconv.Atoi(job.Labels[labelAttempt])
	how := "launched by an earlier apply"
	if jobDone(job) != "" {
		how = "which succeeded after the apply that launched it stopped"
	}
	w.Log("mltf", fmt.Sprintf("re-attaching to Job %s/%s of run %s, %s", job.Namespace, job.Name, sp.RunID, how))
	facts := training.RunFacts{RunID: sp.RunID, Fingerprint: sp.Fingerprint, Status: training.StatusRunning,
		CheckpointURI: sp.checkpointURI(), ArtifactURI: sp.artifactURI(), Started: job.CreationTimestamp.Time, Restarts: restartsOf(job)}
	return newGang(b.p, conn, h, sp, location{Namespace: job.Namespace, Job: job.Name, Attempt: sp.Attempt}, facts), true, nil
}

// Launch creates a new run's ConfigMap, Service and first Job.
func (b *backend) Launch(ctx context.Context, r *runflow.Run, w *runflow.Watch) (runflow.Gang, error) {
	c := config(r)
	conn, h, err := b.hub(ctx, c.Namespace())
	if err != nil {
		return nil, err
	}
	sp := spec(r)
	sp.RunID = tracking.NewID()
	if !c.Options.CodeInImage {
		if sp.Code, err = archive(c.CodePath(r.Settings.WorkDir), r.Planned.Code); err != nil {
			return nil, &runflow.Error{Summary: "Cannot ship the code", Err: err}
		}
	}
	objs := sp.render()
	var owner *unstructured.Unstructured
	for _, o := range []struct {
		g   gvr
		obj runtime.Object
	}{{gvrConfigMap, objs.ConfigMap}, {gvrSecret, objs.Secret}, {gvrService, objs.Service}, {gvrJob, objs.Job}} {
		if o.g == gvrSecret && objs.Secret == nil {
			continue
		}
		u, err := toUnstructured(o.obj)
		if err == nil && o.g == gvrSecret {
			ownedBy(u, owner)
		}
		var out *unstructured.Unstructured
		if err == nil {
			out, err = conn.apply(ctx, o.g, u)
		}
		if err != nil {
			deleteRun(context.WithoutCancel(ctx), conn, c.Namespace(), sp.RunID)
			return nil, runflow.Errorf("Cannot create the training's objects", "%s", explain(err))
		}
		if o.g == gvrConfigMap {
			owner = out
		}
	}
	facts := training.RunFacts{RunID: sp.RunID, Fingerprint: sp.Fingerprint, Status: training.StatusRunning, CheckpointURI: sp.checkpointURI(),
		ArtifactURI: sp.artifactURI(), Started: time.Now().UTC().Truncate(time.Second), Restarts: map[string]int{}}
	return newGang(b.p, conn, h, sp, location{Namespace: c.Namespace(), Job: sp.jobName(), Attempt: 1}, facts), nil
}

// Attach finds the newest Job of a run an earlier apply launched.
func (b *backend) Attach(ctx context.Context, r *runflow.Run, w *runflow.Watch) (runflow.Gang, error) {
	loc := locationOf(r.Where)
	ns := loc.Namespace
	if ns == "" {
		ns = config(r).Namespace()
	}
	conn, h, err := b.hub(ctx, ns)
	if err != nil {
		return nil, err
	}
	job := newestJob(h.runJobs(r.ID))
	if job == nil {
		return nil, fmt.Errorf("no Job of run %s is left in namespace %s (deleted by hand?); run mltf apply again to start a new run, or destroy %s", r.ID, ns, r.Address)
	}
	attempt, _ := strconv.Atoi(job.Labels[labelAttempt])
	sp := spec(r)
	sp.Fingerprint, sp.Attempt = r.Facts.Fingerprint, max(attempt, 1)
	facts := r.Facts
	if facts.Restarts == nil {
		facts.Restarts = restartsOf(job)
	}
	return newGang(b.p, conn, h, sp, location{Namespace: ns, Job: job.Name, Attempt: sp.Attempt}, facts), nil
}

// Refresh reads a run from the cluster: a run whose Jobs are gone
// (deleted by hand) is gone, so the next plan shows it as drift; a run
// that ended while no apply watched it reads with its end.
func (b *backend) Refresh(ctx context.Context, r *runflow.Run, w *runflow.Watch) runflow.Refreshed {
	f := r.Facts
	loc := locationOf(r.Where)
	if loc.Namespace == "" {
		return runflow.Refreshed{Facts: f}
	}
	conn, err := b.p.connection()
	if err != nil {
		return runflow.Refreshed{Facts: f, Diagnostics: connDiags(err)}
	}
	list, err := conn.typed.BatchV1().Jobs(loc.Namespace).List(ctx, metav1.ListOptions{LabelSelector: runSelector(f.RunID)})
	if err != nil {
		return runflow.Refreshed{Facts: f, Diagnostics: providers.Diagnostics{}.Errorf("Cannot read the training's Jobs", "%s", explain(err))}
	}
	var jobs []*batchv1.Job
	for i := range list.Items {
		jobs = append(jobs, &list.Items[i])
	}
	job := newestJob(jobs)
	if job == nil {
		return runflow.Refreshed{Gone: true}
	}
	if f.Status != training.StatusRunning {
		return runflow.Refreshed{Facts: f}
	}
	loc.Job, loc.Attempt = job.Name, 0
	loc.Attempt, _ = strconv.Atoi(job.Labels[labelAttempt])
	if jobDone(job) == string(batchv1.JobComplete) {
		// A failed Job is left to the next apply, which restarts it or
		// reports the failure.
		f.Status = training.StatusFinished
		if job.Status.CompletionTime != nil {
			f.Finished = job.Status.CompletionTime.Time
		}
		// A step's outputs are in the artifact store if an apply copied
		// them before the pod ended.
		if outs := stepOutputs(config(r)); len(outs) > 0 {
			f.ArtifactURI, _ = copiedOutputs(ctx, r.Settings.ArtifactsURL, r.Settings.WorkDir, f.RunID, outs)
		}
	}
	if rs := restartsOf(job); len(rs) > 0 {
		f.Restarts = rs
	}
	return runflow.Refreshed{Facts: f, Where: loc}
}

// Destroy deletes every object of the run and waits, through the
// watches, until its pods and Jobs are gone.
func (b *backend) Destroy(ctx context.Context, r *runflow.Run, w *runflow.Watch) providers.Diagnostics {
	var diags providers.Diagnostics
	loc := locationOf(r.Where)
	if loc.Namespace == "" {
		return nil
	}
	conn, err := b.p.connection()
	if err != nil {
		return connDiags(err)
	}
	w.Progress(providers.Progress{Message: fmt.Sprintf("deleting run %s… (Jobs, pods, Service, ConfigMap)", training.Short(r.ID))})
	h := conn.hub(loc.Namespace)
	if err := h.wait(ctx); err != nil {
		return diags.Errorf("Cannot watch the namespace", "%s", explain(err))
	}
	poke, done := h.subscribe(r.ID)
	defer done()
	if err := deleteRun(ctx, conn, loc.Namespace, r.ID); err != nil {
		return diags.Errorf("Cannot delete the training's objects", "%s", err)
	}
	limit := time.NewTimer(3 * time.Minute)
	defer limit.Stop()
	for len(h.runPods(r.ID))+len(h.runJobs(r.ID)) > 0 {
		select {
		case <-poke:
		case <-limit.C:
			return append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "Pods still terminating",
				Detail: fmt.Sprintf("after 3 minutes %d pods of run %s are still in namespace %s; they are being deleted", len(h.runPods(r.ID)), r.ID, loc.Namespace)})
		case <-ctx.Done():
			return diags.Errorf("Interrupted", "the run's objects are being deleted; run mltf destroy again to finish")
		}
	}
	if r.Facts.Status == training.StatusRunning {
		f := r.Facts
		f.Status, f.Finished = training.StatusCancelled, time.Now().UTC()
		w.Record(ctx, f, env(config(r)), false)
	}
	return diags
}

// env is what a run's record says of where it runs.
func env(c *trainingConfig) map[string]string {
	return map[string]string{"image": c.Image, "namespace": c.Namespace(), "provider": providerName}
}
