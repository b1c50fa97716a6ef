package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/zclconf/go-cty/cty"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mltf/mltf/kinds/pipeline"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
)

var (
	gvrCronJob            = gvr{Group: "batch", Version: "v1", Resource: "cronjobs"}
	gvrClusterRole        = gvr{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}
	gvrClusterRoleBinding = gvr{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}
)

// cronJobs keeps scheduled pipelines as CronJobs (render_schedule.go):
// each tick, a pod of the mltf image applies the pipeline from the
// configuration as it was at the last apply, against the configuration's
// state, artifact and tracking stores, which must be reachable from the
// cluster.
type cronJobs struct{ p *Provider }

var _ pipeline.Scheduler = (*cronJobs)(nil)

func (j *cronJobs) spec(address string, c *pipeline.Config) (*scheduleSpec, providers.Diagnostics) {
	pool := c.Pool
	if pool == cty.NilVal {
		pool = cty.NullVal(cty.DynamicPseudoType)
	}
	d := &ctyval.Decoder{V: cty.ObjectVal(map[string]cty.Value{"pool": pool})}
	ref := decodePoolRef(d)
	return &scheduleSpec{Address: address, Workspace: j.p.flow.Settings().Workspace, Namespace: ref.Namespace, Schedule: c.Schedule,
		Pool: ref, MltfImage: j.p.settings().MltfImage}, d.Diags
}

func (j *cronJobs) Plan(ctx context.Context, address string, c *pipeline.Config) (string, providers.Diagnostics) {
	s, diags := j.spec(address, c)
	if s.Namespace == "" {
		return "schedule: a CronJob in the pool's namespace (known after apply)", diags
	}
	if c.Schedule == nil {
		return fmt.Sprintf("schedule removed: deletes CronJob %s/%s", s.Namespace, s.name()), diags
	}
	sched := ctyval.Attr("schedule")
	if strings.HasPrefix(c.Schedule.Cron, "@every") {
		diags = diags.AttrError(sched.GetAttr("cron"), "Not a Kubernetes schedule",
			fmt.Sprintf("%s runs on Kubernetes as a CronJob, which takes five cron fields or @hourly, @daily, @weekly, @monthly, @yearly, not %q.", address, c.Schedule.Cron))
	}
	if s.MltfImage == "" {
		diags = diags.AttrError(sched, "Missing mltf_image",
			fmt.Sprintf(`%s is scheduled on Kubernetes: a CronJob runs mltf apply from an image with the mltf and mltf-provider-kubernetes binaries, /bin/sh and tar; set mltf_image in the provider "kubernetes" block.`, address))
	}
	st := j.p.flow.Settings()
	var unreachable []string
	for _, u := range []struct{ what, url string }{{"artifact store", st.ArtifactsURL}, {"tracking store", st.TrackingURL}} {
		if local(u.url) {
			unreachable = append(unreachable, fmt.Sprintf("the %s %s", u.what, u.url))
		}
	}
	if len(unreachable) > 0 {
		diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Summary: "The CronJob's pods cannot reach this machine's stores", Attribute: sched,
			Detail: fmt.Sprintf("%s is applied from a pod, which cannot see %s. In the mltf block, put the artifacts and the state in an object store (s3://, gs://, azblob://) and the tracking store in PostgreSQL.", address, strings.Join(unreachable, " nor "))})
	}
	return s.describe(), diags
}

// local says whether u names a place on this machine.
func local(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "file" || p.Scheme == "sqlite" || p.Scheme == "" || p.Scheme == "mem")
}

func (j *cronJobs) Apply(ctx context.Context, address string, c *pipeline.Config) error {
	if c.Schedule == nil {
		return j.Delete(ctx, address, c)
	}
	s, diags := j.spec(address, c)
	if err := diagsErr(diags); err != nil {
		return err
	}
	if s.MltfImage == "" {
		return errors.New(`set mltf_image in the provider "kubernetes" block`)
	}
	conn, err := j.p.connection()
	if err != nil {
		return err
	}
	s.Server = conn.server
	dir := j.p.flow.Settings().WorkDir
	config, err := archiveTree(dir)
	if errors.Is(err, errTooLarge) {
		return fmt.Errorf("the configuration directory %s is %w: the CronJob's pods take it from a ConfigMap; keep data sets out of it (in object storage, by URI)", dir, err)
	}
	if err != nil {
		return fmt.Errorf("cannot pack the configuration directory: %w", err)
	}
	for _, o := range s.schedulerAccess() {
		g := gvrFor(o)
		if _, err := applyObject(ctx, conn, g, o, nil); err != nil {
			return err
		}
	}
	cj, err := applyObject(ctx, conn, gvrCronJob, s.cronJob(), nil)
	if err != nil {
		return err
	}
	_, err = applyObject(ctx, conn, gvrConfigMap, s.configMap(config), cj)
	return err
}

// gvrFor is the resource of one of the scheduler's access objects.
func gvrFor(o runtime.Object) gvr {
	switch o.GetObjectKind().GroupVersionKind().Kind {
	case "ServiceAccount":
		return gvrServiceAccount
	case "Role":
		return gvrRole
	case "RoleBinding":
		return gvrRoleBinding
	case "ClusterRole":
		return gvrClusterRole
	}
	return gvrClusterRoleBinding
}

// Delete deletes the pipeline's CronJob (its Jobs and pods go with it)
// and ConfigMap, and the scheduler's access objects once no CronJob of
// mltf is left in the namespace.
func (j *cronJobs) Delete(ctx context.Context, address string, c *pipeline.Config) error {
	s, _ := j.spec(address, c)
	if s.Namespace == "" {
		return nil
	}
	conn, err := j.p.connection()
	if err != nil {
		return err
	}
	for _, g := range []gvr{gvrCronJob, gvrConfigMap} {
		if err := conn.remove(ctx, g, s.Namespace, s.name()); err != nil {
			return err
		}
	}
	left, err := conn.resource(gvrCronJob, s.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(labels.Set{labelManagedBy: managedBy, labelComponent: componentSchedule}).String()})
	if err != nil {
		return errors.New(explain(err))
	}
	if len(left.Items) > 0 {
		return nil
	}
	for _, o := range s.schedulerAccess() {
		g := gvrFor(o)
		name := o.(metav1.Object).GetName()
		if err := conn.remove(ctx, g, s.Namespace, name); err != nil {
			return err
		}
	}
	return nil
}

// applyObject server-side applies obj, owned by owner when given, so that
// the garbage collector deletes it with its owner.
func applyObject(ctx context.Context, conn *conn, g gvr, obj runtime.Object, owner *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	u, err := toUnstructured(obj)
	if err != nil {
		return nil, err
	}
	if owner != nil {
		u.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: owner.GetAPIVersion(), Kind: owner.GetKind(), Name: owner.GetName(), UID: owner.GetUID()}})
	}
	out, err := conn.apply(ctx, g, u)
	if err != nil {
		return nil, errors.New(explain(err))
	}
	return out, nil
}
