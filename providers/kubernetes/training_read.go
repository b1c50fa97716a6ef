package kubernetes

import (
	"context"
	"strconv"

	"github.com/zclconf/go-cty/cty"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/trainingkind"
)

// readTraining refreshes a training from the cluster: a run whose Jobs
// are gone (deleted by hand) reads as null, so the next plan shows it as
// drift; a run that ended while no apply watched it reads with its end.
func (p *Provider) readTraining(ctx context.Context, req providers.ReadRequest) providers.ReadResponse {
	resp := providers.ReadResponse{New: req.Current, Private: req.Private}
	f := trainingkind.FactsOf(req.Current)
	priv := decodePrivate(req.Private)
	if req.Current.IsNull() || f.RunID == "" || priv.Adopted || priv.Namespace == "" {
		return resp
	}
	conn, err := p.connection()
	if err != nil {
		resp.Diagnostics = connDiags(err)
		return resp
	}
	list, err := conn.typed.BatchV1().Jobs(priv.Namespace).List(ctx, metav1.ListOptions{LabelSelector: runSelector(f.RunID)})
	if err != nil {
		resp.Diagnostics = resp.Diagnostics.Errorf("Cannot read the training's Jobs", "%s", explain(err))
		return resp
	}
	var jobs []*batchv1.Job
	for i := range list.Items {
		jobs = append(jobs, &list.Items[i])
	}
	job := newestJob(jobs)
	if job == nil {
		resp.New = cty.NullVal(req.Current.Type())
		return resp
	}
	if f.Status != statusRunning {
		return resp
	}
	n, _ := strconv.Atoi(job.Labels[labelAttempt])
	priv.Job, priv.Attempt = job.Name, n
	switch jobDone(job) {
	case string(batchv1.JobComplete):
		f.Status = statusFinished
		if job.Status.CompletionTime != nil {
			f.Finished = job.Status.CompletionTime.Time
		}
	case string(batchv1.JobFailed):
		// The next apply restarts it or reports the failure.
	}
	if r := restartsOf(job); len(r) > 0 {
		f.Restarts = r
	}
	v := trainingkind.ObjectWith(req.Current, f.Values())
	if conv, err := convertLike(v, req.Current.Type()); err == nil {
		v = conv
	}
	resp.New, resp.Private = v, priv.encode()
	return resp
}
