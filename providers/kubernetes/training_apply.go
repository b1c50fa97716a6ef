package kubernetes

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/trainingkind"
	"github.com/mltf/mltf/state/tracking"
)

func (p *Provider) applyTraining(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	if req.Planned.IsNull() {
		return p.destroyTraining(ctx, req)
	}
	c, diags := decodeTraining(req.Config)
	if diags.HasErrors() {
		return providers.ApplyChangeResponse{Diagnostics: diags}
	}
	priv := decodePrivate(req.PlannedPrivate)
	prior, planned := trainingkind.FactsOf(req.Prior), trainingkind.FactsOf(req.Planned)
	switch {
	case planned.RunID != "" && planned.RunID == priv.Reuse && planned.RunID != prior.RunID:
		// The plan found a finished run with the same fingerprint: adopt it.
		priv.Reuse, priv.Adopted = "", true
		return providers.ApplyChangeResponse{New: req.Planned, Private: priv.encode()}
	case prior.RunID != "" && prior.RunID == planned.RunID && prior.Status == statusRunning:
		pp := decodePrivate(req.PriorPrivate)
		priv.Namespace, priv.Job, priv.Attempt = pp.Namespace, pp.Job, pp.Attempt
		return p.reattach(ctx, req, c, priv, prior)
	case prior.RunID != "" && prior.RunID == planned.RunID:
		return providers.ApplyChangeResponse{New: req.Planned, Private: priv.encode()}
	}
	return p.launch(ctx, req, c, priv)
}

// launch creates a new run's objects and supervises it to its end.
func (p *Provider) launch(ctx context.Context, req providers.ApplyChangeRequest, c *trainingConfig, priv privateData) providers.ApplyChangeResponse {
	var resp providers.ApplyChangeResponse
	fail := func(summary, detail string) providers.ApplyChangeResponse {
		resp.Diagnostics = resp.Diagnostics.Errorf(summary, "%s", detail)
		return resp
	}
	s, tr := p.config()
	in, code, data, err := plannedInputs(c, s.WorkDir)
	if err != nil {
		return fail("Cannot fingerprint the training", err.Error())
	}
	if in == nil {
		return fail("Training inputs still unknown", strings.Join(c.Unknown, ", ")+" not known at apply; this is a bug in mltf")
	}
	fp := in.Fingerprint()
	if want := trainingkind.FactsOf(req.Planned).Fingerprint; want != "" && want != fp {
		return fail("Training changed since the plan", fmt.Sprintf("the fingerprint was %s… at plan and is %s… now (%s); run mltf plan again",
			trainingkind.Short(want), trainingkind.Short(fp), strings.Join(trainingkind.ChangeReasons(priv.Inputs, in, priv.Code, code), ", ")))
	}
	if c.Namespace() == "" {
		return fail("No namespace for the training", "the pool has no namespace; point pool at a pool of a kubernetes cluster")
	}
	conn, err := p.connection()
	if err != nil {
		return providers.ApplyChangeResponse{Diagnostics: connDiags(err)}
	}
	h := conn.hub(c.Namespace())
	if err := h.wait(ctx); err != nil {
		return fail("Cannot watch the namespace", explain(err))
	}
	spec := &runSpec{Address: req.Address, Workspace: s.Workspace, Fingerprint: fp, Attempt: 1,
		Config: c, Inputs: in, Data: data, ArtifactsURL: s.ArtifactsURL}
	if err := spec.setSecrets(req.Sensitive); err != nil {
		return fail("Cannot encode the params", err.Error())
	}
	priv.Inputs, priv.Code = in, code

	// An apply killed before it saved the run leaves a Job with this
	// address and fingerprint: adopt it rather than start a second copy.
	if job := findLiveJob(h, req.Address, s.Workspace, fp); job != nil {
		spec.RunID = job.Labels[labelRunID]
		spec.Attempt, _ = strconv.Atoi(job.Labels[labelAttempt])
		priv.Namespace, priv.Job, priv.Attempt = job.Namespace, job.Name, spec.Attempt
		req.Events(providers.Event{Type: providers.EventLog, Time: time.Now(), Log: &providers.LogLine{Source: "mltf",
			Line: fmt.Sprintf("re-attaching to Job %s/%s of run %s, launched by an earlier apply", job.Namespace, job.Name, spec.RunID)}})
		started := job.CreationTimestamp.Time
		return p.supervise(ctx, req, spec, priv, trainingkind.RunFacts{RunID: spec.RunID, Fingerprint: fp, Status: statusRunning,
			CheckpointURI: spec.checkpointURI(), Started: started, Restarts: restartsOf(job)})
	}

	spec.RunID = tracking.NewID()
	if !c.Options.CodeInImage {
		if spec.Code, err = archive(c.CodePath(s.WorkDir), code); err != nil {
			return fail("Cannot ship the code", err.Error())
		}
	}
	objs := spec.render()
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
			p.deleteRun(context.WithoutCancel(ctx), conn, c.Namespace(), spec.RunID)
			return fail("Cannot create the training's objects", explain(err))
		}
		if o.g == gvrConfigMap {
			owner = out
		}
	}
	priv.Namespace, priv.Job, priv.Attempt = c.Namespace(), spec.jobName(), 1
	facts := trainingkind.RunFacts{RunID: spec.RunID, Fingerprint: fp, Status: statusRunning, CheckpointURI: spec.checkpointURI(),
		ArtifactURI: spec.artifactURI(), Started: time.Now().UTC().Truncate(time.Second), Restarts: map[string]int{}}
	req.Events(providers.Event{Type: providers.EventPartial, Time: time.Now(), Partial: trainingkind.ObjectWith(req.Config, facts.Values()), PartialPrivate: priv.encode()})
	if tr != nil {
		if err := tr.CreateRun(ctx, trackingRun(spec, facts), c.Experiment.Name); err != nil {
			resp.Diagnostics = append(resp.Diagnostics, providers.Diagnostic{Severity: providers.Warning,
				Summary: "Cannot record the run in the tracking store", Detail: err.Error()})
		}
	}
	out := p.supervise(ctx, req, spec, priv, facts)
	out.Diagnostics = append(resp.Diagnostics, out.Diagnostics...)
	return out
}

// reattach supervises a run an earlier apply launched.
func (p *Provider) reattach(ctx context.Context, req providers.ApplyChangeRequest, c *trainingConfig, priv privateData, prior trainingkind.RunFacts) providers.ApplyChangeResponse {
	s, _ := p.config()
	in, _, data, err := plannedInputs(c, s.WorkDir)
	if err != nil || in == nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: providers.Diagnostics{}.Errorf("Cannot re-attach to the training", "cannot fingerprint it: %v", err)}
	}
	conn, err := p.connection()
	if err != nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: connDiags(err)}
	}
	ns := priv.Namespace
	if ns == "" {
		ns = c.Namespace()
	}
	h := conn.hub(ns)
	if err := h.wait(ctx); err != nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: providers.Diagnostics{}.Errorf("Cannot watch the namespace", "%s", explain(err))}
	}
	job := newestJob(h.runJobs(prior.RunID))
	if job == nil {
		return providers.ApplyChangeResponse{New: req.Prior, Diagnostics: providers.Diagnostics{}.Errorf("Cannot re-attach to the training",
			"no Job of run %s is left in namespace %s (deleted by hand?); run mltf apply again to start a new run, or destroy %s", prior.RunID, ns, req.Address)}
	}
	attempt, _ := strconv.Atoi(job.Labels[labelAttempt])
	spec := &runSpec{Address: req.Address, Workspace: s.Workspace, RunID: prior.RunID, Fingerprint: prior.Fingerprint,
		Attempt: max(attempt, 1), Config: c, Inputs: in, Data: data, ArtifactsURL: s.ArtifactsURL}
	spec.setSecrets(req.Sensitive)
	priv.Namespace, priv.Job, priv.Attempt = ns, job.Name, spec.Attempt
	if prior.Restarts == nil {
		prior.Restarts = restartsOf(job)
	}
	return p.supervise(ctx, req, spec, priv, prior)
}

// findLiveJob finds an unfinished Job of this address and fingerprint.
func findLiveJob(h *hub, address, workspace, fp string) *batchv1.Job {
	sel, _ := labels.Parse(addressSelector(address, workspace, fp))
	var found *batchv1.Job
	for _, o := range h.jobs.GetStore().List() {
		j := o.(*batchv1.Job)
		if !sel.Matches(labels.Set(j.Labels)) || j.DeletionTimestamp != nil || jobDone(j) != "" {
			continue
		}
		if found == nil || j.CreationTimestamp.After(found.CreationTimestamp.Time) {
			found = j
		}
	}
	return found
}

// newestJob is the Job of the highest attempt.
func newestJob(jobs []*batchv1.Job) *batchv1.Job {
	var best *batchv1.Job
	bestN := -1
	for _, j := range jobs {
		if j.DeletionTimestamp != nil {
			continue
		}
		n, _ := strconv.Atoi(j.Labels[labelAttempt])
		if n > bestN {
			best, bestN = j, n
		}
	}
	return best
}

// restartsOf reads the restart counts a Job carries in its annotations.
func restartsOf(j *batchv1.Job) map[string]int {
	out := map[string]int{}
	for _, cause := range []string{causeInfra, causeUser} {
		if n, err := strconv.Atoi(j.Annotations["mltf.dev/restarts-"+cause]); err == nil && n > 0 {
			out[cause] = n
		}
	}
	return out
}

// jobDone says how a Job ended: "Complete", "Failed" or "".
func jobDone(j *batchv1.Job) string {
	for _, c := range j.Status.Conditions {
		if c.Status == "True" && (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) {
			return string(c.Type)
		}
	}
	return ""
}

func toUnstructured(o runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "spec", "template", "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	return u, nil
}

func trackingRun(spec *runSpec, f trainingkind.RunFacts) tracking.Run {
	status := tracking.StatusRunning
	switch f.Status {
	case statusFinished:
		status = tracking.StatusFinished
	case statusFailed:
		status = tracking.StatusFailed
	case statusCancelled:
		status = tracking.StatusKilled
	}
	return tracking.Run{
		ID: spec.RunID, ExperimentID: spec.Config.Experiment.ID, Name: spec.Address, Status: status, Fingerprint: spec.Fingerprint,
		Params: spec.trackedParams(), ArtifactURI: f.ArtifactURI, Metrics: f.Metrics, Restarts: f.Restarts,
		Started: f.Started, Finished: f.Finished, Address: spec.Address, Workspace: spec.Workspace,
		Env: map[string]string{"image": spec.Config.Image, "namespace": spec.Config.Namespace(), "provider": providerName},
	}
}

// deleteRun deletes every object of a run: Jobs (with their pods, in the
// foreground), the Service and the ConfigMap.
func (p *Provider) deleteRun(ctx context.Context, conn *conn, namespace, runID string) error {
	sel := runSelector(runID)
	fg := metav1.DeletePropagationForeground
	var errs []string
	for _, g := range []gvr{gvrJob, gvrService, gvrConfigMap} {
		list, err := conn.dyn.Resource(g).Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			errs = append(errs, explain(err))
			continue
		}
		for _, item := range list.Items {
			err := conn.dyn.Resource(g).Namespace(namespace).Delete(ctx, item.GetName(), metav1.DeleteOptions{PropagationPolicy: &fg})
			if err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, explain(err))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func (p *Provider) destroyTraining(ctx context.Context, req providers.ApplyChangeRequest) providers.ApplyChangeResponse {
	resp := providers.ApplyChangeResponse{New: cty.NullVal(trainingSchema().ImpliedType())}
	prior := trainingkind.FactsOf(req.Prior)
	priv := decodePrivate(req.PriorPrivate)
	if prior.RunID == "" || priv.Adopted || priv.Namespace == "" {
		return resp
	}
	conn, err := p.connection()
	if err != nil {
		resp.New, resp.Diagnostics = req.Prior, connDiags(err)
		return resp
	}
	req.Events(providers.Event{Type: providers.EventProgress, Time: time.Now(),
		Progress: &providers.Progress{Message: fmt.Sprintf("deleting run %s… (Jobs, pods, Service, ConfigMap)", trainingkind.Short(prior.RunID))}})
	h := conn.hub(priv.Namespace)
	if err := h.wait(ctx); err != nil {
		resp.New, resp.Diagnostics = req.Prior, resp.Diagnostics.Errorf("Cannot watch the namespace", "%s", explain(err))
		return resp
	}
	poke, done := h.subscribe(prior.RunID)
	defer done()
	if err := p.deleteRun(ctx, conn, priv.Namespace, prior.RunID); err != nil {
		resp.New, resp.Diagnostics = req.Prior, resp.Diagnostics.Errorf("Cannot delete the training's objects", "%s", err)
		return resp
	}
	// Wait, through the watches, until the pods and Jobs are gone.
	limit := time.NewTimer(3 * time.Minute)
	defer limit.Stop()
	for len(h.runPods(prior.RunID))+len(h.runJobs(prior.RunID)) > 0 {
		select {
		case <-poke:
		case <-limit.C:
			resp.Diagnostics = append(resp.Diagnostics, providers.Diagnostic{Severity: providers.Warning, Summary: "Pods still terminating",
				Detail: fmt.Sprintf("after 3 minutes %d pods of run %s are still in namespace %s; they are being deleted", len(h.runPods(prior.RunID)), prior.RunID, priv.Namespace)})
			return resp
		case <-ctx.Done():
			resp.New, resp.Diagnostics = req.Prior, resp.Diagnostics.Errorf("Interrupted", "the run's objects are being deleted; run mltf destroy again to finish")
			return resp
		}
	}
	_, tr := p.config()
	if tr != nil && prior.Status == statusRunning {
		prior.Status, prior.Finished = statusCancelled, time.Now().UTC()
		s, _ := p.config()
		c, _ := decodeTraining(req.Prior)
		spec := &runSpec{Address: req.Address, Workspace: s.Workspace, RunID: prior.RunID, Fingerprint: prior.Fingerprint,
			Config: c, Inputs: priv.Inputs}
		if spec.Inputs == nil {
			spec.Inputs = &trainingkind.Inputs{}
		}
		if c != nil {
			spec.setSecrets(req.Sensitive)
		}
		if err := tr.UpdateRun(ctx, trackingRun(spec, prior), c.Experiment.Name); err != nil {
			resp.Diagnostics = append(resp.Diagnostics, providers.Diagnostic{Severity: providers.Warning,
				Summary: "Cannot record the cancelled run in the tracking store", Detail: err.Error()})
		}
	}
	return resp
}

// trackedParams are the params the tracking store records.
func (s *runSpec) trackedParams() []byte {
	if s.TrackedParams != nil {
		return s.TrackedParams
	}
	return s.Inputs.Params
}

// setSecrets works out from the sensitive paths what the tracking store
// records of the params and which variables go into the run's Secret.
func (s *runSpec) setSecrets(sensitive []cty.Path) error {
	sec := trainingkind.SecretsOf(sensitive)
	var err error
	s.TrackedParams, err = s.Config.TrackedParams(sec)
	_, s.Secrets = s.Config.LaunchEnv(sec, s.Inputs.Params)
	return err
}

// ownedBy makes the run's ConfigMap the owner of u, so that the garbage
// collector deletes u with the run's objects and mltf needs no right to
// list or delete Secrets.
func ownedBy(u, owner *unstructured.Unstructured) {
	if owner == nil {
		return
	}
	u.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.GetName(), UID: owner.GetUID()}})
}
