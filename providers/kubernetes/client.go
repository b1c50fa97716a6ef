package kubernetes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

type gvr = schema.GroupVersionResource

var (
	gvrNamespace      = gvr{Version: "v1", Resource: "namespaces"}
	gvrResourceQuota  = gvr{Version: "v1", Resource: "resourcequotas"}
	gvrServiceAccount = gvr{Version: "v1", Resource: "serviceaccounts"}
	gvrConfigMap      = gvr{Version: "v1", Resource: "configmaps"}
	gvrSecret         = gvr{Version: "v1", Resource: "secrets"}
	gvrLimitRange     = gvr{Version: "v1", Resource: "limitranges"}
	gvrService        = gvr{Version: "v1", Resource: "services"}
	gvrPriorityClass  = gvr{Group: "scheduling.k8s.io", Version: "v1", Resource: "priorityclasses"}
	gvrRole           = gvr{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"}
	gvrRoleBinding    = gvr{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}
	gvrJob            = gvr{Group: "batch", Version: "v1", Resource: "jobs"}
	gvrNodePool       = gvr{Group: "karpenter.sh", Version: "v1", Resource: "nodepools"}
	gvrResourceFlavor = gvr{Group: "kueue.x-k8s.io", Version: "v1beta1", Resource: "resourceflavors"}
	gvrClusterQueue   = gvr{Group: "kueue.x-k8s.io", Version: "v1beta1", Resource: "clusterqueues"}
	gvrLocalQueue     = gvr{Group: "kueue.x-k8s.io", Version: "v1beta1", Resource: "localqueues"}
)

// clusterScoped says which resources have no namespace.
func clusterScoped(g gvr) bool {
	switch g {
	case gvrNamespace, gvrPriorityClass, gvrNodePool, gvrResourceFlavor, gvrClusterQueue, gvrClusterRole, gvrClusterRoleBinding:
		return true
	}
	return false
}

// conn is a connection to one API server.
type conn struct {
	rest      *rest.Config
	typed     kubernetes.Interface
	dyn       dynamic.Interface
	server    string
	namespace string // the default namespace

	mu   sync.Mutex
	apis map[string]bool // group/version -> served
	hubs map[string]*hub // by namespace
}

// connSettings are the provider "kubernetes" {} block.
type connSettings struct {
	Kubeconfig, Context, Namespace string
	// MltfImage is the image with the mltf binary (mltf_image).
	MltfImage string
}

// loadRESTConfig follows kubectl's conventions: an explicit path, else
// $KUBECONFIG, else ~/.kube/config, else the in-cluster configuration
// (inCluster).
func loadRESTConfig(s connSettings) (cfg *rest.Config, namespace string, inCluster bool, err error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if s.Kubeconfig != "" {
		rules.ExplicitPath = s.Kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: s.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	if s.Kubeconfig == "" && os.Getenv("KUBECONFIG") == "" {
		home, _ := os.UserHomeDir()
		if _, err := os.Stat(filepath.Join(home, ".kube", "config")); err != nil {
			if cfg, err := rest.InClusterConfig(); err == nil {
				ns := "default"
				if b, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil && len(b) > 0 {
					ns = string(b)
				}
				return cfg, ns, true, nil
			}
			return nil, "", false, fmt.Errorf("no kubeconfig: set kubeconfig in the provider \"kubernetes\" block, or KUBECONFIG, or create ~/.kube/config (outside a cluster's pod)")
		}
	}
	cfg, err = cc.ClientConfig()
	if err != nil {
		return nil, "", false, fmt.Errorf("cannot load the kubeconfig: %w", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil || ns == "" {
		ns = "default"
	}
	return cfg, ns, false, nil
}

func newConn(cfg *rest.Config, namespace string) (*conn, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		// Plenty for many runs: steady state is watches, not requests.
		cfg.QPS, cfg.Burst = 50, 100
	}
	cfg.UserAgent = "mltf"
	typed, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if namespace == "" {
		namespace = "default"
	}
	return &conn{rest: cfg, typed: typed, dyn: dyn, server: cfg.Host, namespace: namespace,
		apis: map[string]bool{}, hubs: map[string]*hub{}}, nil
}

// served says whether the API server serves a resource (a CRD that may be
// installed or not). The answer is remembered for the connection.
func (c *conn) served(ctx context.Context, g gvr) (bool, error) {
	key := g.GroupVersion().String() + "/" + g.Resource
	c.mu.Lock()
	ok, known := c.apis[key]
	c.mu.Unlock()
	if known {
		return ok, nil
	}
	list, err := c.typed.Discovery().ServerResourcesForGroupVersion(g.GroupVersion().String())
	switch {
	case apierrors.IsNotFound(err):
		ok = false
	case err != nil:
		return false, err
	default:
		for _, r := range list.APIResources {
			if r.Name == g.Resource {
				ok = true
			}
		}
	}
	c.mu.Lock()
	c.apis[key] = ok
	c.mu.Unlock()
	return ok, nil
}

// forget drops what served remembers (after CRDs come or go).
func (c *conn) forget() {
	c.mu.Lock()
	c.apis = map[string]bool{}
	c.mu.Unlock()
}

func (c *conn) resource(g gvr, namespace string) dynamic.ResourceInterface {
	if clusterScoped(g) {
		return c.dyn.Resource(g)
	}
	return c.dyn.Resource(g).Namespace(namespace)
}

// apply server-side applies obj with field manager "mltf", taking over
// fields other managers set.
func (c *conn) apply(ctx context.Context, g gvr, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	out, err := c.resource(g, obj.GetNamespace()).Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: fieldManager, Force: true})
	if err != nil {
		return nil, fmt.Errorf("cannot apply %s %s: %w", obj.GetKind(), obj.GetName(), err)
	}
	return out, nil
}

// remove deletes one object; a missing object is not an error. A Job goes
// with foreground propagation: it is gone once its pods are.
func (c *conn) remove(ctx context.Context, g gvr, namespace, name string) error {
	prop := metav1.DeletePropagationBackground
	if g == gvrJob {
		prop = metav1.DeletePropagationForeground
	}
	err := c.resource(g, namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &prop})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("cannot delete %s %s: %w", g.Resource, name, err)
	}
	return nil
}

// explain turns an API error into advice.
func explain(err error) string {
	switch {
	case apierrors.IsForbidden(err):
		return err.Error() + "; mltf's identity lacks a permission: see docs/kubernetes.md for the RBAC it needs"
	case apierrors.IsUnauthorized(err):
		return err.Error() + "; the kubeconfig's credentials were refused: log in again or pick another context"
	}
	return err.Error()
}
