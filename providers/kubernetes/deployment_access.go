package kubernetes

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mltf/mltf/serving"
)

// Access is how mltf's commands reach a cluster outside plan and apply:
// the provider block's kubeconfig and context (empty: kubectl's defaults),
// and the API server the cluster's state recorded (its server attribute;
// empty: any).
type Access struct {
	Kubeconfig, Context string
	Server              string
}

// restConfig loads the kubeconfig of a. When its context reaches another
// API server than a.Server, the kubeconfig's context that reaches a.Server
// is taken instead, and without one the mismatch is the error.
func (a Access) restConfig() (*rest.Config, error) {
	cfg, _, inCluster, err := loadRESTConfig(connSettings{Kubeconfig: a.Kubeconfig, Context: a.Context})
	if err != nil {
		return nil, err
	}
	// Inside a pod, the cluster's own API server is the one, under
	// whatever address the state recorded from outside.
	if a.Server == "" || inCluster || sameServer(cfg.Host, a.Server) {
		return cfg, nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if a.Kubeconfig != "" {
		rules.ExplicitPath = a.Kubeconfig
	}
	raw, err := rules.Load()
	if err != nil {
		return nil, fmt.Errorf("cannot load the kubeconfig: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(raw.Contexts)) {
		c := raw.Contexts[name]
		if cl := raw.Clusters[c.Cluster]; cl != nil && sameServer(cl.Server, a.Server) {
			cfg, _, _, err := loadRESTConfig(connSettings{Kubeconfig: a.Kubeconfig, Context: name})
			return cfg, err
		}
	}
	return nil, fmt.Errorf("the kubeconfig reaches the API server %s, and none of its contexts reaches %s, where the deployment's cluster is: set KUBECONFIG or the provider block's kubeconfig and context to that cluster's", cfg.Host, a.Server)
}

func sameServer(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }

// DeploymentFrontEnd reaches the admin API of the running front end of
// the deployment at address (of workspace) in namespace, through the API
// server's proxy of its pod, as apply does: mltf deployments show and plot
// need no other network path into the cluster.
func DeploymentFrontEnd(ctx context.Context, a Access, address, workspace, namespace string) (*serving.Client, error) {
	cfg, err := a.restConfig()
	if err != nil {
		return nil, err
	}
	conn, err := newConn(cfg, namespace)
	if err != nil {
		return nil, err
	}
	defer conn.close()
	s := &servingSpec{Address: address, Workspace: workspace, Namespace: namespace}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	pod, why := frontendPod(ctx, conn, s)
	if pod == nil {
		return nil, fmt.Errorf("no front end pod of %s runs in namespace %s on %s: %s", address, namespace, cfg.Host, why)
	}
	return adminClient(conn, pod)
}
