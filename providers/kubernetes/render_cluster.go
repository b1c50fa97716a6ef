package kubernetes

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mltf/mltf/kinds/training"
)

// Names of the cluster's objects in its namespace.
const (
	quotaName          = "mltf-quota"
	limitRangeName     = "mltf-defaults"
	trainingAccount    = "mltf-training"
	localQueueName     = "mltf"
	defaultUnlimitedGi = "1000000Gi"
)

// clusterSpec renders a cluster's objects.
type clusterSpec struct {
	Address   string
	Namespace string
	Config    *clusterConfig
	// Which optional APIs the cluster serves.
	Karpenter, Kueue bool
}

// object is one object to apply, with where it goes.
type object struct {
	GVR   gvr
	Obj   *unstructured.Unstructured
	About string // "ResourceQuota mltf-quota", for plans and errors
}

func (s *clusterSpec) labels() map[string]string {
	return map[string]string{labelManagedBy: managedBy, labelCluster: labelValue(s.Address)}
}

// scoped names a cluster-wide object after the namespace: mltf-ml-team-a100.
func (s *clusterSpec) scoped(name string) string {
	return dnsName("mltf-"+s.Namespace+"-"+name, 63)
}

func (s *clusterSpec) priorityClassName(name string) string { return s.scoped(name) }

func (s *clusterSpec) nodePoolName(pool string) string { return s.scoped(pool) }

func (s *clusterSpec) flavorName(pool string) string { return s.scoped(pool) }

func (s *clusterSpec) clusterQueueName() string { return dnsName("mltf-"+s.Namespace, 63) }

// objects are every object of the cluster, in the order they are
// applied; skipped says what is left out because a CRD is missing.
func (s *clusterSpec) objects() (objs []object, skipped []string) {
	add := func(g gvr, o runtime.Object, about string) {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			panic(fmt.Sprintf("kubernetes: cannot convert %s: %v", about, err)) // a bug: the objects are ours
		}
		obj := &unstructured.Unstructured{Object: u}
		unstructured.RemoveNestedField(obj.Object, "metadata", "creationTimestamp")
		unstructured.RemoveNestedField(obj.Object, "status")
		objs = append(objs, object{GVR: g, Obj: obj, About: about})
	}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: s.Namespace, Labels: s.labels()}
	}
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: s.Namespace, Labels: s.labels()}}
	add(gvrNamespace, ns, "Namespace "+s.Namespace)

	if q := s.quota(); q != nil {
		add(gvrResourceQuota, &corev1.ResourceQuota{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
			ObjectMeta: meta(quotaName), Spec: corev1.ResourceQuotaSpec{Hard: q}}, "ResourceQuota "+quotaName)
		// A quota on CPUs or memory refuses pods that request none: give
		// every container a default request.
		if s.Config.Quota.CPUs > 0 || s.Config.Quota.Memory != "" {
			add(gvrLimitRange, &corev1.LimitRange{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
				ObjectMeta: meta(limitRangeName), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
					Type:           corev1.LimitTypeContainer,
					DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")},
				}}}}, "LimitRange "+limitRangeName)
		}
	}
	for _, name := range training.SortedKeys(s.Config.Priority) {
		pc := &schedulingv1.PriorityClass{TypeMeta: metav1.TypeMeta{APIVersion: "scheduling.k8s.io/v1", Kind: "PriorityClass"},
			ObjectMeta:  metav1.ObjectMeta{Name: s.priorityClassName(name), Labels: s.labels()},
			Value:       int32(s.Config.Priority[name]),
			Description: fmt.Sprintf("mltf priority %q of namespace %s", name, s.Namespace)}
		add(gvrPriorityClass, pc, "PriorityClass "+pc.Name)
	}
	add(gvrServiceAccount, &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: meta(trainingAccount)}, "ServiceAccount "+trainingAccount)
	add(gvrRole, &rbacv1.Role{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: meta(trainingAccount),
		Rules: []rbacv1.PolicyRule{
			// Training pods may look up their peers (rendezvous by DNS needs
			// nothing; tools such as NCCL topology helpers read pods).
			{APIGroups: []string{""}, Resources: []string{"pods", "services", "endpoints"}, Verbs: []string{"get", "list", "watch"}},
		}}, "Role "+trainingAccount)
	add(gvrRoleBinding, &rbacv1.RoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: meta(trainingAccount),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: trainingAccount},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: trainingAccount, Namespace: s.Namespace}}}, "RoleBinding "+trainingAccount)

	pools := training.SortedKeys(s.Config.Pools)
	for _, name := range pools {
		if s.Karpenter {
			objs = append(objs, object{GVR: gvrNodePool, Obj: s.nodePool(s.Config.Pools[name]), About: "Karpenter NodePool " + s.nodePoolName(name)})
		} else {
			skipped = append(skipped, fmt.Sprintf("Karpenter NodePool for pool %q: the cluster has no karpenter.sh/v1 NodePool CRD, so the pool uses the nodes that exist", name))
		}
	}
	if s.Kueue {
		for _, name := range pools {
			objs = append(objs, object{GVR: gvrResourceFlavor, Obj: s.flavor(s.Config.Pools[name]), About: "Kueue ResourceFlavor " + s.flavorName(name)})
		}
		objs = append(objs, object{GVR: gvrClusterQueue, Obj: s.clusterQueue(pools), About: "Kueue ClusterQueue " + s.clusterQueueName()})
		objs = append(objs, object{GVR: gvrLocalQueue, Obj: s.localQueue(), About: "Kueue LocalQueue " + localQueueName})
	} else {
		skipped = append(skipped, "Kueue ResourceFlavor, ClusterQueue and LocalQueue: the cluster has no kueue.x-k8s.io/v1beta1 CRDs, so trainings are not queued (the ResourceQuota still bounds them)")
	}
	return objs, skipped
}

func (s *clusterSpec) quota() corev1.ResourceList {
	q := s.Config.Quota
	out := corev1.ResourceList{}
	if q.GPUs > 0 {
		for _, r := range s.gpuResources() {
			out[corev1.ResourceName("requests."+r)] = *resource.NewQuantity(int64(q.GPUs), resource.DecimalSI)
		}
	}
	if q.CPUs > 0 {
		out[corev1.ResourceRequestsCPU] = *resource.NewQuantity(int64(q.CPUs), resource.DecimalSI)
	}
	if q.Memory != "" {
		out[corev1.ResourceRequestsMemory] = resource.MustParse(q.Memory)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// gpuResources are the GPU resource names of the pools.
func (s *clusterSpec) gpuResources() []string {
	seen := map[string]bool{defaultGPUResource: true}
	for _, p := range s.Config.Pools {
		if p.GPUsPerNode > 0 {
			seen[p.GPUResource] = true
		}
	}
	return training.SortedKeys(seen)
}

func (s *clusterSpec) nodePool(p poolConfig) *unstructured.Unstructured {
	var reqs []any
	switch p.Capacity {
	case "spot", "on-demand":
		reqs = append(reqs, map[string]any{"key": "karpenter.sh/capacity-type", "operator": "In", "values": []any{p.Capacity}})
	default:
		reqs = append(reqs, map[string]any{"key": "karpenter.sh/capacity-type", "operator": "In", "values": []any{"spot", "on-demand"}})
	}
	if len(p.InstanceTypes) > 0 {
		vals := make([]any, len(p.InstanceTypes))
		for i, t := range p.InstanceTypes {
			vals[i] = t
		}
		reqs = append(reqs, map[string]any{"key": "node.kubernetes.io/instance-type", "operator": "In", "values": vals})
	}
	nodeLabels := map[string]any{labelPool: labelValue(s.Namespace + "." + p.Name)}
	for k, v := range p.NodeSelector {
		nodeLabels[k] = v
	}
	tmpl := map[string]any{
		"requirements": reqs,
		"nodeClassRef": map[string]any{"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": p.NodeClass},
	}
	limits := map[string]any{}
	if p.GPUsPerNode > 0 {
		tmpl["taints"] = []any{map[string]any{"key": p.GPUResource, "effect": "NoSchedule"}}
		limits[p.GPUResource] = fmt.Sprint(p.MaxNodes * p.GPUsPerNode)
	}
	// Karpenter limits resources, not nodes: bound the CPUs as well, at a
	// generous 256 per node.
	limits["cpu"] = fmt.Sprint(p.MaxNodes * 256)
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "karpenter.sh/v1",
		"kind":       "NodePool",
		"metadata":   map[string]any{"name": s.nodePoolName(p.Name), "labels": toAny(s.labels())},
		"spec": map[string]any{
			"template": map[string]any{"metadata": map[string]any{"labels": nodeLabels}, "spec": tmpl},
			"limits":   limits,
			"disruption": map[string]any{
				// An idle pool scales to zero.
				"consolidationPolicy": "WhenEmptyOrUnderutilized",
				"consolidateAfter":    p.ConsolidateAfter.String(),
			},
		},
	}}
}

func (s *clusterSpec) flavor(p poolConfig) *unstructured.Unstructured {
	spec := map[string]any{}
	labels := map[string]any{}
	for k, v := range p.NodeSelector {
		labels[k] = v
	}
	if s.Karpenter {
		labels[labelNodePool] = s.nodePoolName(p.Name)
	}
	if len(labels) > 0 {
		spec["nodeLabels"] = labels
	}
	if p.GPUsPerNode > 0 {
		spec["tolerations"] = []any{map[string]any{"key": p.GPUResource, "operator": "Exists", "effect": "NoSchedule"}}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kueue.x-k8s.io/v1beta1",
		"kind":       "ResourceFlavor",
		"metadata":   map[string]any{"name": s.flavorName(p.Name), "labels": toAny(s.labels())},
		"spec":       spec,
	}}
}

func (s *clusterSpec) clusterQueue(pools []string) *unstructured.Unstructured {
	q := s.Config.Quota
	gpus := s.gpuResources()
	covered := []any{"cpu", "memory"}
	for _, g := range gpus {
		covered = append(covered, g)
	}
	cpu, mem, gpu := "1000000", defaultUnlimitedGi, "1000000"
	if q.CPUs > 0 {
		cpu = fmt.Sprint(q.CPUs)
	}
	if q.Memory != "" {
		mem = q.Memory
	}
	if q.GPUs > 0 {
		gpu = fmt.Sprint(q.GPUs)
	}
	var flavors []any
	for _, name := range pools {
		res := []any{
			map[string]any{"name": "cpu", "nominalQuota": cpu},
			map[string]any{"name": "memory", "nominalQuota": mem},
		}
		for _, g := range gpus {
			res = append(res, map[string]any{"name": g, "nominalQuota": gpu})
		}
		flavors = append(flavors, map[string]any{"name": s.flavorName(name), "resources": res})
	}
	spec := map[string]any{
		"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": s.Namespace}},
		"queueingStrategy":  "BestEffortFIFO",
		"preemption":        map[string]any{"withinClusterQueue": "LowerPriority"},
	}
	if len(flavors) > 0 {
		spec["resourceGroups"] = []any{map[string]any{"coveredResources": covered, "flavors": flavors}}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kueue.x-k8s.io/v1beta1",
		"kind":       "ClusterQueue",
		"metadata":   map[string]any{"name": s.clusterQueueName(), "labels": toAny(s.labels())},
		"spec":       spec,
	}}
}

func (s *clusterSpec) localQueue() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kueue.x-k8s.io/v1beta1",
		"kind":       "LocalQueue",
		"metadata":   map[string]any{"name": localQueueName, "namespace": s.Namespace, "labels": toAny(s.labels())},
		"spec":       map[string]any{"clusterQueue": s.clusterQueueName()},
	}}
}

func toAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// poolTolerations are a pool's tolerations as written, plus the GPU taint
// of GPU pools.
func poolTolerations(p poolConfig) []map[string]string {
	out := append([]map[string]string{}, p.Tolerations...)
	if p.GPUsPerNode > 0 {
		found := false
		for _, t := range out {
			if t["key"] == p.GPUResource {
				found = true
			}
		}
		if !found {
			out = append(out, map[string]string{"key": p.GPUResource, "operator": "Exists", "effect": "NoSchedule"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i]["key"] < out[j]["key"] })
	return out
}

func describeObjects(objs []object) string {
	var parts []string
	for _, o := range objs {
		parts = append(parts, o.About)
	}
	return strings.Join(parts, ", ")
}
