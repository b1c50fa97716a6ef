package kubernetes

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mltf/mltf/kinds/pipeline/schedule"
)

// schedulerAccount is the ServiceAccount the CronJobs' pods run mltf as.
const schedulerAccount = "mltf-scheduler"

const (
	componentSchedule = "pipeline-schedule"
	configDir         = "/mltf/config" // the configuration's ConfigMap: config.tar.gz
	workDir           = "/mltf/work"   // the configuration, unpacked; mltf apply runs here
)

// scheduleSpec is a scheduled pipeline as rendered on the cluster: a
// CronJob whose pods run `mltf apply -target=ADDRESS` in the
// configuration, which a ConfigMap holds.
type scheduleSpec struct {
	Address, Workspace, Namespace string
	Schedule                      *schedule.Schedule
	Pool                          poolRef
	MltfImage                     string
	// Server is the API server as the applying mltf reached it: the name
	// the state knows the cluster by, which the pod's in-cluster mltf
	// keeps (serverEnv).
	Server string
}

// serverEnv carries scheduleSpec.Server into the CronJob's pods.
const serverEnv = "MLTF_KUBERNETES_SERVER"

// name names the CronJob and the ConfigMap: mltf-pipeline-features; a
// workspace other than the default adds itself. A CronJob's name has at
// most 52 characters.
func (s *scheduleSpec) name() string {
	return resourceName("mltf-pipeline-", s.Address, s.Workspace, 24, 12)
}

func (s *scheduleSpec) labels() map[string]string {
	return map[string]string{
		labelManagedBy: managedBy, labelComponent: componentSchedule,
		labelAddress: labelValue(s.Address), labelWorkspace: labelValue(workspaceOr(s.Workspace)),
	}
}

func (s *scheduleSpec) meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: s.Namespace, Labels: s.labels(), Annotations: map[string]string{annotAddress: s.Address}}
}

// concurrencyPolicy is the CronJob's policy for the schedule's concurrency.
func concurrencyPolicy(c string) batchv1.ConcurrencyPolicy {
	switch c {
	case schedule.Allow:
		return batchv1.AllowConcurrent
	case schedule.Replace:
		return batchv1.ReplaceConcurrent
	}
	return batchv1.ForbidConcurrent
}

// runScript unpacks the configuration and applies the pipeline ($1). The
// CronJob controller names a Job CRONJOB-MINUTES, the scheduled time in
// minutes since 1970: MLTF_SCHEDULED_TIME comes from there, as mltf
// scheduler sets it locally (a Job created by hand has none).
const runScript = `set -e
mkdir -p ` + workDir + ` && tar -xzf ` + configDir + `/config.tar.gz -C ` + workDir + ` && cd ` + workDir + `
t=${MLTF_JOB_NAME##*-}
case $t in
''|*[!0-9]*) ;;
*) MLTF_SCHEDULED_TIME=$(date -u -d "@$((t * 60))" +%Y-%m-%dT%H:%M:%SZ) && export MLTF_SCHEDULED_TIME || true ;;
esac
exec mltf apply -auto-approve -lock-timeout=10m "-target=$1"`

func (s *scheduleSpec) cronJob() *batchv1.CronJob {
	zero, history := int32(0), int32(3)
	var deadline *int64
	if d := s.Schedule.StartingDeadline; d > 0 {
		secs := int64(d.Seconds())
		deadline = &secs
	}
	tz := s.Schedule.Location.String()
	pod := (&servingSpec{Pool: s.Pool}).podSpec()
	pod.RestartPolicy = corev1.RestartPolicyNever
	pod.ServiceAccountName = schedulerAccount
	pod.Volumes = []corev1.Volume{
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: s.name()}}}},
		{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	env := []corev1.EnvVar{{Name: "MLTF_JOB_NAME", ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['" + batchv1.JobNameLabel + "']"}}}}
	if s.Server != "" {
		env = append(env, corev1.EnvVar{Name: serverEnv, Value: s.Server})
	}
	if w := workspaceOr(s.Workspace); w != "default" {
		env = append(env, corev1.EnvVar{Name: "MLTF_WORKSPACE", Value: w})
	}
	pod.Containers = []corev1.Container{{
		Name:         "mltf",
		Image:        s.MltfImage,
		Command:      []string{"/bin/sh", "-c", runScript, "mltf-schedule", s.Address},
		Env:          env,
		VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: configDir, ReadOnly: true}, {Name: "work", MountPath: workDir}},
	}}
	return &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: s.meta(s.name()),
		Spec: batchv1.CronJobSpec{
			Schedule:                   s.Schedule.Cron,
			TimeZone:                   &tz,
			ConcurrencyPolicy:          concurrencyPolicy(s.Schedule.Concurrency),
			StartingDeadlineSeconds:    deadline,
			SuccessfulJobsHistoryLimit: &history,
			FailedJobsHistoryLimit:     &history,
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: s.labels()},
				Spec: batchv1.JobSpec{
					BackoffLimit: &zero, // a failed apply waits for the next tick
					Template:     corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: s.labels()}, Spec: pod},
				},
			},
		},
	}
}

func (s *scheduleSpec) configMap(config []byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: s.meta(s.name()),
		BinaryData: map[string][]byte{"config.tar.gz": config},
	}
}

// schedulerRules are what mltf apply of a pipeline does in the namespace:
// what a training run needs (docs/kubernetes.md), and its own CronJob
// and ConfigMap, which the apply writes again.
var schedulerRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: []string{"create", "get", "list", "watch", "patch", "delete"}},
	{APIGroups: []string{""}, Resources: []string{"services", "configmaps"}, Verbs: []string{"create", "get", "list", "watch", "patch", "delete"}},
	{APIGroups: []string{""}, Resources: []string{"pods", "pods/log", "events"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create", "get"}}, // a step's files in and out
	{APIGroups: []string{""}, Resources: []string{"resourcequotas", "limitranges", "serviceaccounts"}, Verbs: []string{"get", "list", "patch", "create"}},
	{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"roles", "rolebindings"}, Verbs: []string{"get", "patch", "create"}},
}

// schedulerClusterRules are what refreshing the pipeline's cluster reads
// outside the namespace, and the apply's own ClusterRole and binding,
// which it writes again.
func (s *scheduleSpec) schedulerClusterRules() []rbacv1.PolicyRule {
	own := []rbacv1.PolicyRule{{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles", "clusterrolebindings"},
		ResourceNames: []string{s.clusterRoleName()}, Verbs: []string{"get", "patch"}}}
	return append(own, schedulerClusterReads...)
}

// schedulerClusterReads are what refreshing the pipeline's cluster reads
// outside the namespace.
var schedulerClusterReads = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"namespaces", "nodes"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{"scheduling.k8s.io"}, Resources: []string{"priorityclasses"}, Verbs: []string{"get", "list"}},
	{APIGroups: []string{"karpenter.sh"}, Resources: []string{"nodepools"}, Verbs: []string{"get", "list"}},
	{APIGroups: []string{"kueue.x-k8s.io"}, Resources: []string{"resourceflavors", "clusterqueues", "localqueues"}, Verbs: []string{"get", "list"}},
}

// schedulerAccess are the objects that let the CronJobs' pods run mltf:
// a ServiceAccount, a Role and its RoleBinding in the namespace, and a
// ClusterRole mltf-scheduler-NAMESPACE with its ClusterRoleBinding.
func (s *scheduleSpec) schedulerAccess() []runtime.Object {
	labels := map[string]string{labelManagedBy: managedBy, labelComponent: componentSchedule}
	meta := metav1.ObjectMeta{Name: schedulerAccount, Namespace: s.Namespace, Labels: labels}
	cluster := metav1.ObjectMeta{Name: s.clusterRoleName(), Labels: labels}
	rbac := func(kind string) metav1.TypeMeta {
		return metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: kind}
	}
	subjects := []rbacv1.Subject{{Kind: "ServiceAccount", Name: schedulerAccount, Namespace: s.Namespace}}
	return []runtime.Object{
		&corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: meta},
		&rbacv1.Role{TypeMeta: rbac("Role"), ObjectMeta: meta, Rules: schedulerRules},
		&rbacv1.RoleBinding{TypeMeta: rbac("RoleBinding"), ObjectMeta: meta, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: schedulerAccount}},
		&rbacv1.ClusterRole{TypeMeta: rbac("ClusterRole"), ObjectMeta: cluster, Rules: s.schedulerClusterRules()},
		&rbacv1.ClusterRoleBinding{TypeMeta: rbac("ClusterRoleBinding"), ObjectMeta: cluster, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: s.clusterRoleName()}},
	}
}

func (s *scheduleSpec) clusterRoleName() string { return dnsName(schedulerAccount+"-"+s.Namespace, 63) }

// describe says what the CronJob does, for plans.
func (s *scheduleSpec) describe() string {
	deadline := ""
	if d := s.Schedule.StartingDeadline; d > 0 {
		deadline = fmt.Sprintf(", startingDeadlineSeconds %d", int64(d.Seconds()))
	}
	return fmt.Sprintf("schedule: CronJob %s/%s runs mltf apply -target=%s at %q (%s), concurrencyPolicy %s%s",
		s.Namespace, s.name(), s.Address, s.Schedule.Cron, s.Schedule.Location, concurrencyPolicy(s.Schedule.Concurrency), deadline)
}
