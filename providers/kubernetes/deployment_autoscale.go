package kubernetes

import (
	"fmt"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	"github.com/mltf/mltf/kinds/deployment"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/ctyval"
)

// Metrics APIs an autoscaler reads: the aggregated APIs that
// metrics-server (CPU) and prometheus-adapter (target_rps) serve.
const (
	groupResourceMetrics = "metrics.k8s.io"
	groupCustomMetrics   = "custom.metrics.k8s.io"
)

// metricsAPITrouble says why the cluster does not serve the aggregated API
// group; "" when it serves it (or when discovery itself fails, which says
// nothing about the group).
func metricsAPITrouble(dc discovery.DiscoveryInterface, group string) string {
	groups, err := dc.ServerGroups()
	if err != nil {
		return ""
	}
	for _, g := range groups.Groups {
		if g.Name != group {
			continue
		}
		if _, err := dc.ServerResourcesForGroupVersion(g.PreferredVersion.GroupVersion); err != nil {
			return fmt.Sprintf("its APIService %s is registered but does not answer (%s)", g.PreferredVersion.GroupVersion, explain(err))
		}
		return ""
	}
	return fmt.Sprintf("the API server lists no API group %s", group)
}

// autoscaleWarnings says, for an autoscale block, which metrics the
// cluster cannot give its HorizontalPodAutoscalers: such an autoscaler
// exists but never scales (it keeps autoscale.min workers). A cluster
// that does not answer discovery gets no warning: apply reports it.
func autoscaleWarnings(conn *conn, a *deployment.Autoscale) providers.Diagnostics {
	if a == nil {
		return nil
	}
	cfg := rest.CopyConfig(conn.rest)
	cfg.Timeout = 10 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil
	}
	var diags providers.Diagnostics
	if a.TargetRPS > 0 {
		if why := metricsAPITrouble(dc, groupCustomMetrics); why != "" {
			diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Attribute: ctyval.Attr("autoscale", "target_rps"),
				Summary: "target_rps cannot scale on this cluster",
				Detail: fmt.Sprintf("autoscale.target_rps scales each version's workers on the Pods metric %s, which their HorizontalPodAutoscaler reads from the custom metrics API (%s), and the cluster does not serve it: %s. Until it does, the autoscaler keeps autoscale.min (%d) workers. Install Prometheus scraping the worker pods and prometheus-adapter with the rule of docs/deployments.md (Autoscaling on Kubernetes), or scale on target_cpu.",
					rpsMetric, groupCustomMetrics, why, a.Min)})
		}
	}
	if a.TargetCPU > 0 {
		if why := metricsAPITrouble(dc, groupResourceMetrics); why != "" {
			diags = append(diags, providers.Diagnostic{Severity: providers.Warning, Attribute: ctyval.Attr("autoscale", "target_cpu"),
				Summary: "target_cpu cannot scale on this cluster",
				Detail: fmt.Sprintf("autoscale.target_cpu scales each version's workers on their CPU use, which their HorizontalPodAutoscaler reads from the resource metrics API (%s), and the cluster does not serve it: %s. Until it does, the autoscaler keeps autoscale.min (%d) workers. Install metrics-server (most managed clusters have it).",
					groupResourceMetrics, why, a.Min)})
		}
	}
	return diags
}

// autoscaleCheck is autoscaleWarnings for d, when the cluster is reachable.
func (b *deployments) autoscaleCheck(d *deployment.Deployment) providers.Diagnostics {
	if d.Config.Autoscale == nil {
		return nil
	}
	conn, err := b.p.connection()
	if err != nil {
		return nil
	}
	return autoscaleWarnings(conn, d.Config.Autoscale)
}
