package kubernetes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mltf/mltf/kinds/pipeline"
	"github.com/mltf/mltf/kinds/pipeline/schedule"
)

// TestLiveScheduleCronJob keeps a scheduled pipeline's CronJob on the
// test control plane: created with the schedule, time zone, concurrency
// policy and starting deadline, the configuration in its ConfigMap and
// the scheduler's access objects; updated when the schedule changes;
// deleted with its ConfigMap (and the access objects, the last CronJob
// gone) when the schedule is removed, and by destroy.
func TestLiveScheduleCronJob(t *testing.T) {
	h := newHarness(t, "mltf-it-cron")
	h.mltfImage = "registry.example/mltf@sha256:4567"
	p := h.provider(h.cfg)
	ctx := context.Background()
	pool := poolOf(h.cluster(ctx), "a100")
	if err := os.WriteFile(filepath.Join(h.workDir, "main.mltf.hcl"), []byte("# the configuration\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(h.workDir, ".mltf", "state"), 0o755)
	os.WriteFile(filepath.Join(h.workDir, ".mltf", "state", "big"), []byte("not shipped"), 0o644)
	sched, err := schedule.Parse("0 3 * * 1", "Europe/Berlin", "replace", "2h")
	if err != nil {
		t.Fatal(err)
	}
	c := &pipeline.Config{Pool: pool, Schedule: &sched}
	j := &cronJobs{p: p}
	reason, diags := j.Plan(ctx, "pipeline.features", c)
	if diags.HasErrors() {
		t.Fatalf("plan: %v", diags)
	}
	want := `schedule: CronJob ` + h.ns + `/mltf-pipeline-features runs mltf apply -target=pipeline.features at "0 3 * * 1" (Europe/Berlin), concurrencyPolicy Replace, startingDeadlineSeconds 7200`
	if reason != want {
		t.Errorf("plan reason\n %s\nwant\n %s", reason, want)
	}
	if err := j.Apply(ctx, "pipeline.features", c); err != nil {
		t.Fatal(err)
	}
	cronJobs := h.kube.BatchV1().CronJobs(h.ns)
	cj, err := cronJobs.Get(ctx, "mltf-pipeline-features", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cj.Spec.Schedule != "0 3 * * 1" || *cj.Spec.TimeZone != "Europe/Berlin" || cj.Spec.ConcurrencyPolicy != batchv1.ReplaceConcurrent ||
		*cj.Spec.StartingDeadlineSeconds != 7200 || *cj.Spec.JobTemplate.Spec.BackoffLimit != 0 {
		t.Errorf("CronJob spec %+v", cj.Spec)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	ctr := pod.Containers[0]
	if ctr.Image != h.mltfImage || pod.ServiceAccountName != schedulerAccount || ctr.Command[len(ctr.Command)-1] != "pipeline.features" ||
		!strings.Contains(ctr.Command[2], `exec mltf apply -auto-approve -lock-timeout=10m "-target=$1"`) {
		t.Errorf("pod: image %q, account %q, command %q", ctr.Image, pod.ServiceAccountName, ctr.Command)
	}
	if pod.NodeSelector["mltf.dev/test-pool"] != "gpu" {
		t.Errorf("node selector %v, want the pool's", pod.NodeSelector)
	}
	cm, err := h.kube.CoreV1().ConfigMaps(h.ns).Get(ctx, "mltf-pipeline-features", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	files := untar(t, cm.BinaryData["config.tar.gz"])
	if files["main.mltf.hcl"] != "# the configuration\n" || files["code/train.py"] == "" {
		t.Errorf("configuration shipped: %v", keys(files))
	}
	for name := range files {
		if strings.HasPrefix(name, ".mltf") {
			t.Errorf("%s shipped", name)
		}
	}
	if len(cm.OwnerReferences) != 1 || cm.OwnerReferences[0].UID != cj.UID {
		t.Errorf("ConfigMap owners %+v, want the CronJob", cm.OwnerReferences)
	}
	if _, err := h.kube.RbacV1().RoleBindings(h.ns).Get(ctx, schedulerAccount, metav1.GetOptions{}); err != nil {
		t.Errorf("role binding: %v", err)
	}
	if _, err := h.kube.RbacV1().ClusterRoleBindings().Get(ctx, schedulerAccount+"-"+h.ns, metav1.GetOptions{}); err != nil {
		t.Errorf("cluster role binding: %v", err)
	}

	// A changed schedule updates the CronJob in place.
	sched2, _ := schedule.Parse("@daily", "", "", "")
	c.Schedule = &sched2
	if err := j.Apply(ctx, "pipeline.features", c); err != nil {
		t.Fatal(err)
	}
	cj2, err := cronJobs.Get(ctx, "mltf-pipeline-features", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cj2.UID != cj.UID || cj2.Spec.Schedule != "@daily" || *cj2.Spec.TimeZone != "UTC" || cj2.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent ||
		cj2.Spec.StartingDeadlineSeconds != nil {
		t.Errorf("updated CronJob: uid changed %v, spec %+v", cj2.UID != cj.UID, cj2.Spec)
	}

	// A second scheduled pipeline keeps the access objects when the
	// first one's schedule goes.
	other := &pipeline.Config{Pool: pool, Schedule: &sched2}
	if err := j.Apply(ctx, "pipeline.other", other); err != nil {
		t.Fatal(err)
	}
	c.Schedule = nil
	if reason, _ := j.Plan(ctx, "pipeline.features", c); reason != "schedule removed: deletes CronJob "+h.ns+"/mltf-pipeline-features" {
		t.Errorf("plan reason %q", reason)
	}
	if err := j.Apply(ctx, "pipeline.features", c); err != nil {
		t.Fatal(err)
	}
	if _, err := cronJobs.Get(ctx, "mltf-pipeline-features", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("CronJob after the schedule was removed: %v", err)
	}
	if _, err := h.kube.CoreV1().ServiceAccounts(h.ns).Get(ctx, schedulerAccount, metav1.GetOptions{}); err != nil {
		t.Errorf("service account while pipeline.other is scheduled: %v", err)
	}
	if err := j.Delete(ctx, "pipeline.other", other); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"CronJob": func() error { _, err := cronJobs.Get(ctx, "mltf-pipeline-other", metav1.GetOptions{}); return err }(),
		"ConfigMap": func() error {
			_, err := h.kube.CoreV1().ConfigMaps(h.ns).Get(ctx, "mltf-pipeline-other", metav1.GetOptions{})
			return err
		}(),
		"ServiceAccount": func() error {
			_, err := h.kube.CoreV1().ServiceAccounts(h.ns).Get(ctx, schedulerAccount, metav1.GetOptions{})
			return err
		}(),
		"ClusterRoleBinding": func() error {
			_, err := h.kube.RbacV1().ClusterRoleBindings().Get(ctx, schedulerAccount+"-"+h.ns, metav1.GetOptions{})
			return err
		}(),
		"ClusterRole": func() error {
			_, err := h.kube.RbacV1().ClusterRoles().Get(ctx, schedulerAccount+"-"+h.ns, metav1.GetOptions{})
			return err
		}(),
	} {
		if !apierrors.IsNotFound(err) {
			t.Errorf("%s after the last schedule was deleted: %v", what, err)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
