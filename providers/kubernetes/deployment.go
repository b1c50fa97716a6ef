package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"

	"github.com/mltf/mltf/kinds/deployment"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
	python "github.com/mltf/mltf/sdk/python"
	"github.com/mltf/mltf/serving"
)

var (
	gvrDeployment = gvr{Group: "apps", Version: "v1", Resource: "deployments"}
	gvrHPA        = gvr{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"}
)

// deployments serves deployments on the cluster (render_deployment.go):
// the kind drives the front end's admin API through the API server's
// proxy of the front end's pod, so mltf needs no network path into the
// cluster beyond the API server.
type deployments struct{ p *Provider }

var _ deployment.Backend = (*deployments)(nil)

// frontendTimeout bounds how long the front end's pod may take to run
// (image pull included).
const frontendTimeout = 5 * time.Minute

func (b *deployments) Name() string { return providerName }

func (b *deployments) spec(d *deployment.Deployment) (*servingSpec, providers.Diagnostics) {
	dec := &ctyval.Decoder{V: cfgValue(d)}
	pool := decodePoolRef(dec)
	s := &servingSpec{Address: d.Address, Workspace: d.Settings.Workspace, Namespace: pool.Namespace, Config: d.Config,
		Pool: pool, MltfImage: b.p.settings().MltfImage}
	return s, dec.Diags
}

// cfgValue is the part of the deployment's value decodePoolRef reads.
func cfgValue(d *deployment.Deployment) cty.Value {
	pool := d.Config.Pool
	if pool == cty.NilVal {
		pool = cty.NullVal(cty.DynamicPseudoType)
	}
	return cty.ObjectVal(map[string]cty.Value{"pool": pool})
}

// diagsErr is the first error of diags as an error.
func diagsErr(diags providers.Diagnostics) error {
	for _, d := range diags {
		if d.Severity == providers.Error {
			return fmt.Errorf("%s: %s", d.Summary, d.Detail)
		}
	}
	return nil
}

func (b *deployments) Check(d *deployment.Deployment) providers.Diagnostics {
	s, diags := b.spec(d)
	if s.Pool.Provider != "" && s.Pool.Provider != providerName {
		diags = diags.Errorf("Pool of another provider", "%s: the pool belongs to a %q cluster; the kubernetes provider serves deployments on pools of kubernetes clusters.", d.Address, s.Pool.Provider)
	}
	if d.Config.Image == "" {
		diags = diags.AttrError(ctyval.Attr("image"), "Missing image",
			fmt.Sprintf(`%s runs its workers on Kubernetes and needs their container image, e.g. image = "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime" (Python with PyTorch for mltf's TorchScript worker).`, d.Address))
	}
	if m := d.Config.Memory; m != "" {
		if _, err := resource.ParseQuantity(m); err != nil {
			diags = diags.AttrError(ctyval.Attr("memory"), "Invalid memory", fmt.Sprintf(`memory is %q; write a size like "2Gi" or "512Mi".`, m))
		}
	}
	if g := s.Pool.GPUsPerNode; d.Config.GPUs > g && g > 0 {
		diags = diags.AttrError(ctyval.Attr("gpus"), "Too many GPUs per worker",
			fmt.Sprintf("%s asks %d GPUs per worker; a node of pool %q has %d, so no worker could be placed.", d.Address, d.Config.GPUs, s.Pool.Name, g))
	}
	if s.MltfImage == "" {
		diags = diags.Errorf("Missing mltf_image", `%s runs its front end on Kubernetes from an image with the mltf binary: set mltf_image in the provider "kubernetes" block.`, d.Address)
	}
	return append(diags, b.autoscaleCheck(d)...)
}

func (b *deployments) URL(d *deployment.Deployment) string {
	s, _ := b.spec(d)
	if s.Namespace == "" {
		return ""
	}
	return s.URL()
}

// Running finds a running front end pod of d and talks to it through the
// API server.
func (b *deployments) Running(ctx context.Context, d *deployment.Deployment) (*serving.Client, bool) {
	s, _ := b.spec(d)
	conn, err := b.p.connection()
	if err != nil || s.Namespace == "" {
		return nil, false
	}
	pod, _ := frontendPod(ctx, conn, s)
	if pod == nil {
		return nil, false
	}
	c, err := adminClient(conn, pod)
	if err != nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.Spec(ctx); err != nil {
		return nil, false
	}
	return c, true
}

// frontendPod is the newest running front end pod of s, and else what
// keeps the newest from running, for messages.
func frontendPod(ctx context.Context, conn *conn, s *servingSpec) (*corev1.Pod, string) {
	list, err := conn.typed.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(s.selector(componentFrontend, 0)).String()})
	if err != nil {
		return nil, explain(err)
	}
	pods := list.Items
	sort.Slice(pods, func(i, j int) bool { return pods[j].CreationTimestamp.Before(&pods[i].CreationTimestamp) })
	why := "no pod yet"
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" {
			return p, ""
		}
		if i == 0 {
			why = podTrouble(p)
		}
	}
	return nil, why
}

// podTrouble says why p does not run: a waiting container's reason, or
// its phase.
func podTrouble(p *corev1.Pod) string {
	for _, st := range p.Status.ContainerStatuses {
		if w := st.State.Waiting; w != nil && w.Reason != "" {
			return fmt.Sprintf("pod %s: %s %s", p.Name, w.Reason, w.Message)
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return fmt.Sprintf("pod %s is not scheduled: %s", p.Name, c.Message)
		}
	}
	return fmt.Sprintf("pod %s is %s", p.Name, p.Status.Phase)
}

// adminClient reaches pod's admin API through the API server's pod proxy.
func adminClient(conn *conn, pod *corev1.Pod) (*serving.Client, error) {
	hc, err := rest.HTTPClientFor(conn.rest)
	if err != nil {
		return nil, err
	}
	hc.Timeout = 3 * time.Minute
	base := fmt.Sprintf("%s/api/v1/namespaces/%s/pods/%s:%d/proxy", strings.TrimSuffix(conn.rest.Host, "/"), pod.Namespace, pod.Name, adminPort)
	return &serving.Client{Base: base, HTTP: hc}, nil
}

func (b *deployments) FrontEnd(ctx context.Context, d *deployment.Deployment, baseline *serving.Baseline) (*serving.Client, error) {
	if c, ok := b.Running(ctx, d); ok {
		return c, nil
	}
	s, diags := b.spec(d)
	if diags.HasErrors() {
		return nil, diagsErr(diags)
	}
	conn, err := b.p.connection()
	if err != nil {
		return nil, err
	}
	if err := applyFrontend(ctx, conn, s, baseline); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(frontendTimeout)
	for {
		if c, ok := b.Running(ctx, d); ok {
			return c, nil
		}
		_, why := frontendPod(ctx, conn, s)
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the front end %s/%s did not answer within %s: %s", s.Namespace, s.base(), frontendTimeout, why)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// applyFrontend writes the front end's ConfigMap, Deployment and Service.
// A ConfigMap that exists keeps the versions a rollout settled on, so a
// front end started again serves them.
func applyFrontend(ctx context.Context, conn *conn, s *servingSpec, baseline *serving.Baseline) error {
	var versions []serving.Version
	if prior, err := settled(ctx, conn, s); err == nil {
		versions = prior.Versions
	}
	cm, err := s.frontendConfigMap(s.frontendSpec(baseline, versions))
	if err != nil {
		return err
	}
	dep, err := applyObject(ctx, conn, gvrDeployment, s.frontendDeployment(), nil)
	if err != nil {
		return err
	}
	for _, o := range []struct {
		g   gvr
		obj runtime.Object
	}{{gvrConfigMap, cm}, {gvrService, s.frontendService()}} {
		if _, err := applyObject(ctx, conn, o.g, o.obj, dep); err != nil {
			return err
		}
	}
	return nil
}

// settled reads the spec in the front end's ConfigMap.
func settled(ctx context.Context, conn *conn, s *servingSpec) (serving.Spec, error) {
	var spec serving.Spec
	cm, err := conn.typed.CoreV1().ConfigMaps(s.Namespace).Get(ctx, s.base()+"-frontend", metav1.GetOptions{})
	if err != nil {
		return spec, err
	}
	err = json.Unmarshal([]byte(cm.Data[serving.SpecFile]), &spec)
	return spec, err
}

func (b *deployments) Version(ctx context.Context, d *deployment.Deployment, v deployment.Served) (serving.Version, error) {
	s, diags := b.spec(d)
	if diags.HasErrors() {
		return serving.Version{}, diagsErr(diags)
	}
	conn, err := b.p.connection()
	if err != nil {
		return serving.Version{}, err
	}
	if err := applyVersion(ctx, conn, s, v.Version, v.Dir); err != nil {
		return serving.Version{}, err
	}
	// The front end resolves the headless Service to its ready pods and
	// feeds each, so replicas share the load (kube-proxy would keep each
	// kept-alive connection on one pod).
	return serving.Version{Version: v.Version, Workers: []string{s.workerAddr(v.Version)}, Replicas: s.replicas()}, nil
}

// applyVersion writes version v's objects, its files taken from dir. The
// version's Deployment belongs to the front end's, and the rest to it.
func applyVersion(ctx context.Context, conn *conn, s *servingSpec, v int64, dir string) error {
	model, err := archiveTree(dir)
	if err != nil {
		return fmt.Errorf("the model version's files: %w", err)
	}
	front, err := conn.resource(gvrDeployment, s.Namespace).Get(ctx, s.base(), metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("the front end's Deployment %s: %s", s.base(), explain(err))
	}
	dep, err := applyObject(ctx, conn, gvrDeployment, s.versionDeployment(v), front)
	if err != nil {
		return err
	}
	objs := []struct {
		g   gvr
		obj runtime.Object
	}{{gvrConfigMap, s.versionConfigMap(v, model, python.Worker)}, {gvrService, s.versionService(v)}}
	if hpa := s.versionAutoscaler(v); hpa != nil {
		objs = append(objs, struct {
			g   gvr
			obj runtime.Object
		}{gvrHPA, hpa})
	}
	for _, o := range objs {
		if _, err := applyObject(ctx, conn, o.g, o.obj, dep); err != nil {
			return err
		}
	}
	if s.Config.Autoscale == nil {
		return conn.remove(ctx, gvrHPA, s.Namespace, s.versionName(v)) // autoscale was taken out
	}
	return nil
}

// Retire deletes version v's Deployment; its pods, ConfigMap, Service and
// autoscaler go with it.
func (b *deployments) Retire(ctx context.Context, d *deployment.Deployment, v int64) error {
	s, _ := b.spec(d)
	conn, err := b.p.connection()
	if err != nil {
		return err
	}
	return deleteServing(ctx, conn, s, s.selector(componentWorker, v))
}

// Settle writes versions into the front end's ConfigMap.
func (b *deployments) Settle(ctx context.Context, d *deployment.Deployment, versions []serving.Version) error {
	s, _ := b.spec(d)
	conn, err := b.p.connection()
	if err != nil {
		return err
	}
	spec, err := settled(ctx, conn, s)
	if err != nil {
		return err
	}
	spec.Versions = versions
	cm, err := s.frontendConfigMap(spec)
	if err != nil {
		return err
	}
	front, err := conn.resource(gvrDeployment, s.Namespace).Get(ctx, s.base(), metav1.GetOptions{})
	if err != nil {
		return errors.New(explain(err))
	}
	if _, err = applyObject(ctx, conn, gvrConfigMap, cm, front); err != nil {
		return err
	}
	return waitFrontendReady(ctx, conn, s)
}

// waitFrontendReady waits until the front end's pod is ready, so that its
// Service answers when apply ends.
func waitFrontendReady(ctx context.Context, conn *conn, s *servingSpec) error {
	deadline := time.Now().Add(time.Minute)
	for {
		pod, why := frontendPod(ctx, conn, s)
		if pod != nil && podReady(pod) {
			return nil
		}
		if pod != nil {
			why = fmt.Sprintf("pod %s is not ready (its readiness probe is /v2/health/ready)", pod.Name)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the front end's Service has no ready pod after a minute: %s", why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Destroy deletes every object of d and waits for its pods to go.
func (b *deployments) Destroy(ctx context.Context, d *deployment.Deployment) error {
	s, _ := b.spec(d)
	if s.Namespace == "" {
		return nil
	}
	conn, err := b.p.connection()
	if err != nil {
		return err
	}
	sel := s.selector("", 0)
	if err := deleteServing(ctx, conn, s, sel); err != nil {
		return err
	}
	ls := labels.SelectorFromSet(sel).String()
	for deadline := time.Now().Add(2 * time.Minute); ; {
		pods, err := conn.typed.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: ls})
		if err != nil {
			return errors.New(explain(err))
		}
		if len(pods.Items) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d pod(s) of %s still exist 2 minutes after their Deployments were deleted", len(pods.Items), d.Address)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// deleteServing deletes the Deployments, autoscalers, Services and
// ConfigMaps labelled sel. The garbage collector would delete the others
// with their Deployment; deleting them too leaves nothing behind where it
// runs late.
func deleteServing(ctx context.Context, conn *conn, s *servingSpec, sel map[string]string) error {
	ls := labels.SelectorFromSet(sel).String()
	var errs []string
	for _, g := range []gvr{gvrDeployment, gvrHPA, gvrService, gvrConfigMap} {
		list, err := conn.resource(g, s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: ls})
		if err != nil {
			if !apierrors.IsNotFound(err) {
				errs = append(errs, explain(err))
			}
			continue
		}
		for _, item := range list.Items {
			if err := conn.remove(ctx, g, s.Namespace, item.GetName()); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}
