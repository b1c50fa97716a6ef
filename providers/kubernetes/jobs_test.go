package kubernetes

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes/fake"
)

// TestFindLiveJobAdoptsSucceededJobNoApplyCompleted: an apply killed
// after creating a run's Job but before saving the run leaves the Job;
// when it succeeds before the next apply, that apply must adopt it (and
// complete it) rather than launch the same inputs again. A Job whose end
// an apply followed, or that failed, is not adopted.
func TestFindLiveJobAdoptsSucceededJobNoApplyCompleted(t *testing.T) {
	const ns, address, workspace, fp = "ml", "training.t", "default", "f00dfeed"
	sel, err := labels.ConvertSelectorToLabelsMap(addressSelector(address, workspace, fp))
	if err != nil {
		t.Fatal(err)
	}
	job := func(name, done string, age time.Duration) *batchv1.Job {
		j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
			CreationTimestamp: metav1.NewTime(time.Now().Add(-age))}}
		j.Labels = map[string]string{}
		for k, v := range sel {
			j.Labels[k] = v
		}
		j.Labels[labelRunID] = name
		if done != "" {
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobConditionType(done), Status: corev1.ConditionTrue}}
		}
		return j
	}
	for _, tc := range []struct {
		name string
		jobs []*batchv1.Job
		want string // the Job adopted, "" for none
	}{
		{"running", []*batchv1.Job{job("run-a", "", time.Minute)}, "run-a"},
		{"succeeded with no apply following it", []*batchv1.Job{job("run-a", string(batchv1.JobComplete), time.Minute)}, "run-a"},
		{"failed", []*batchv1.Job{job("run-a", string(batchv1.JobFailed), time.Minute)}, ""},
		{"newest of a failed and a succeeded", []*batchv1.Job{job("run-a", string(batchv1.JobFailed), time.Minute),
			job("run-b", string(batchv1.JobComplete), time.Second)}, "run-b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, c := fakeHub(t, ns, tc.jobs...)
			got := findLiveJob(h, address, workspace, fp)
			if name := jobName(got); name != tc.want {
				t.Fatalf("adopted %q, want %q", name, tc.want)
			}
			if got == nil || jobDone(got) == "" {
				return
			}
			// Once an apply has followed its end, the Job is not adopted again.
			markCompleted(context.Background(), c, ns, got.Name, nil)
			deadline := time.Now().Add(10 * time.Second)
			for jobName(findLiveJob(h, address, workspace, fp)) == got.Name {
				if time.Now().After(deadline) {
					t.Fatalf("Job %s still adopted after an apply completed it", got.Name)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

func jobName(j *batchv1.Job) string {
	if j == nil {
		return ""
	}
	return j.Name
}

// fakeHub is the watches of namespace ns over a fake clientset holding jobs.
func fakeHub(t *testing.T, ns string, jobs ...*batchv1.Job) (*hub, *conn) {
	t.Helper()
	cs := fake.NewClientset()
	for _, j := range jobs {
		if _, err := cs.BatchV1().Jobs(ns).Create(context.Background(), j, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c := &conn{typed: cs, hubs: map[string]*hub{}}
	t.Cleanup(c.close)
	h := c.hub(ns)
	if err := h.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h, c
}
