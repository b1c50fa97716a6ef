package kubernetes

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mltf/mltf/providers/runflow"
)

// findLiveJob finds a Job of this address and fingerprint that an apply
// killed before saving its run left: one still going, or one that
// succeeded with no apply following its end (no annotCompleted).
func findLiveJob(h *hub, address, workspace, fp string) *batchv1.Job {
	sel, _ := labels.Parse(addressSelector(address, workspace, fp))
	var found *batchv1.Job
	for _, o := range h.jobs.GetStore().List() {
		j := o.(*batchv1.Job)
		if !sel.Matches(labels.Set(j.Labels)) || j.DeletionTimestamp != nil {
			continue
		}
		if done := jobDone(j); done == string(batchv1.JobFailed) || done == string(batchv1.JobComplete) && j.Annotations[annotCompleted] != "" {
			continue
		}
		if found == nil || j.CreationTimestamp.After(found.CreationTimestamp.Time) {
			found = j
		}
	}
	return found
}

// markCompleted annotates a succeeded Job whose end this apply followed,
// so that a later apply does not adopt it as one a killed apply left.
func markCompleted(ctx context.Context, c *conn, ns, job string, w *runflow.Watch) {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:"true"}}}`, annotCompleted)
	_, err := c.typed.BatchV1().Jobs(ns).Patch(context.WithoutCancel(ctx), job, types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: fieldManager})
	if err != nil && !apierrors.IsNotFound(err) && w != nil {
		w.Warn("Cannot mark the Job as completed", fmt.Sprintf("%s; a later mltf apply of the same inputs may adopt Job %s/%s again rather than reuse its run", explain(err), ns, job))
	}
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

// deleteRun deletes every object of a run: Jobs (with their pods, in the
// foreground), the Service and the ConfigMap. The Service and ConfigMap go
// at once (background): in the foreground they would linger until the
// garbage collector had removed their EndpointSlices and Secret.
func deleteRun(ctx context.Context, conn *conn, namespace, runID string) error {
	sel := runSelector(runID)
	var errs []string
	for _, g := range []gvr{gvrJob, gvrService, gvrConfigMap} {
		prop := metav1.DeletePropagationBackground
		if g == gvrJob {
			prop = metav1.DeletePropagationForeground
		}
		list, err := conn.dyn.Resource(g).Namespace(namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			errs = append(errs, explain(err))
			continue
		}
		for _, item := range list.Items {
			err := conn.dyn.Resource(g).Namespace(namespace).Delete(ctx, item.GetName(), metav1.DeleteOptions{PropagationPolicy: &prop})
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

// ownedBy makes the run's ConfigMap the owner of u, so that the garbage
// collector deletes u with the run's objects and mltf needs no right to
// list or delete Secrets.
func ownedBy(u, owner *unstructured.Unstructured) {
	if owner == nil {
		return
	}
	u.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.GetName(), UID: owner.GetUID()}})
}
