package kubernetes

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/lang/schema"
)

func optional(t cty.Type, desc string) *schema.Attribute {
	return &schema.Attribute{Type: t, Optional: true, Description: desc}
}

func computed(t cty.Type, desc string) *schema.Attribute {
	return &schema.Attribute{Type: t, Computed: true, Description: desc}
}

func providerSchema() *schema.Block {
	s := cty.String
	return &schema.Block{
		Description: "A Kubernetes cluster reached through a kubeconfig, or from inside a pod.",
		Attributes: map[string]*schema.Attribute{
			"kubeconfig": optional(s, "Path of the kubeconfig file; default $KUBECONFIG, else ~/.kube/config, else the in-cluster configuration."),
			"context":    optional(s, "Context of the kubeconfig to use; default its current context."),
			"namespace":  optional(s, "Default namespace of clusters that name none; default the context's namespace, else \"default\"."),
			"mltf_image": optional(s, "Container image with the mltf binary on its PATH: it runs the serving front end of deployments and, with mltf-provider-kubernetes beside mltf, the CronJob of scheduled pipelines. Pin it by digest."),
		},
	}
}

// tolerationsType is how tolerations are written: a list of maps with
// key, operator, value and effect.
var tolerationsType = cty.List(cty.Map(cty.String))

func clusterSchema() *schema.Block {
	n, s := cty.Number, cty.String
	return &schema.Block{
		Description: "A namespace of a Kubernetes cluster with quotas, priorities and GPU node pools.",
		Attributes: map[string]*schema.Attribute{
			"namespace": {Type: s, Optional: true, Computed: true, Description: "Namespace of the cluster's work; created, or adopted when it exists. Default: the provider's namespace."},
			"priority":  optional(cty.Map(n), "PriorityClasses by name with their values, e.g. { high = 1000, low = 10 }; a training picks one with options { priority = \"high\" }."),

			"id":         computed(s, "Identifier of the cluster: API server and namespace."),
			"server":     computed(s, "URL of the API server."),
			"nodes":      computed(n, "Nodes observed in all pools."),
			"gpus":       computed(n, "Allocatable GPUs observed in all pools."),
			"karpenter":  computed(cty.Bool, "Whether the cluster has Karpenter's CRDs (NodePools are managed)."),
			"kueue":      computed(cty.Bool, "Whether the cluster has Kueue's CRDs (queues are managed)."),
			"skipped":    computed(cty.List(s), "Objects not managed because their CRDs are absent, and why."),
			"created_ns": computed(cty.Bool, "Whether mltf created the namespace (destroy then deletes it)."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"quota": {Nesting: schema.NestingSingle, Block: schema.Block{
				Description: "A ResourceQuota on the namespace (and the Kueue ClusterQueue's nominal quota).",
				Attributes: map[string]*schema.Attribute{
					"gpus":   optional(n, "GPUs requested at once by all pods."),
					"cpus":   optional(n, "CPUs requested at once by all pods."),
					"memory": optional(s, `Memory requested at once by all pods, e.g. "512Gi".`),
				},
			}},
			"pool": {Nesting: schema.NestingMap, Block: schema.Block{
				Description: "A kind of node: how its pods are scheduled, and its Karpenter NodePool where available.",
				Attributes: map[string]*schema.Attribute{
					"gpus_per_node":     optional(n, "GPUs of one node; a training's pods request procs_per_node of them. Default 0 (CPU nodes)."),
					"gpu_resource":      optional(s, `Extended resource name of the GPUs; default "nvidia.com/gpu".`),
					"node_selector":     optional(cty.Map(s), "Node labels the pool's pods require."),
					"tolerations":       optional(tolerationsType, `Tolerations of the pool's pods, e.g. [{ key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" }]. GPU pools tolerate the GPU taint by default.`),
					"capacity":          optional(s, `"on-demand" (default), "spot" or "any".`),
					"instance_types":    optional(cty.List(s), "Instance types Karpenter may launch for the pool."),
					"max_nodes":         optional(n, "Most nodes of the pool (Karpenter limit); default 8."),
					"consolidate_after": optional(s, `How long a node may stay idle before Karpenter removes it; default "5m".`),
					"node_class":        optional(s, `Karpenter node class (EC2NodeClass) of the pool's nodes; default "default".`),

					"name":             computed(s, "The pool's label."),
					"cluster_id":       computed(s, "The id of the pool's cluster."),
					"provider":         computed(s, `Always "kubernetes".`),
					"namespace":        computed(s, "The cluster's namespace."),
					"slots":            computed(n, "GPUs (or nodes for CPU pools) the pool may hold at most: max_nodes × gpus_per_node."),
					"gpus":             computed(n, "GPUs per node, as gpus_per_node."),
					"queue":            computed(s, "Kueue LocalQueue of the pool's trainings; null without Kueue."),
					"node_pool":        computed(s, "Karpenter NodePool of the pool; null without Karpenter."),
					"service_account":  computed(s, "ServiceAccount of training pods."),
					"priority_classes": computed(cty.Map(s), "PriorityClass names by the cluster's priority names."),
					"nodes":            computed(n, "Nodes observed in the pool."),
					"allocatable_gpus": computed(n, "Allocatable GPUs observed in the pool."),
				},
			}},
		},
	}
}

// poolComputed are the attributes a pool value carries besides its
// configuration.
var poolComputed = []string{"name", "cluster_id", "provider", "namespace", "slots", "gpus", "queue", "node_pool", "service_account", "priority_classes", "nodes", "allocatable_gpus"}

// trainingSchema is the kind's schema (training.Schema) with this
// provider's options {} block.
func trainingSchema() *schema.Block {
	s := cty.String
	b := training.Schema()
	b.Blocks["options"] = &schema.NestedBlock{Nesting: schema.NestingSingle, Block: schema.Block{
		Description: "Settings only Kubernetes has.",
		Attributes: map[string]*schema.Attribute{
			"namespace":          optional(s, "Namespace of the run; default the pool's."),
			"service_account":    optional(s, "ServiceAccount of the pods; default the cluster's."),
			"priority":           optional(s, "Name of one of the cluster's priority classes."),
			"labels":             optional(cty.Map(s), "Extra labels of the pods."),
			"annotations":        optional(cty.Map(s), "Extra annotations of the pods."),
			"node_selector":      optional(cty.Map(s), "Node labels required besides the pool's."),
			"tolerations":        optional(tolerationsType, "Tolerations besides the pool's."),
			"host_network":       optional(cty.Bool, "Run the pods in the nodes' network namespace (RDMA, fast NCCL); default false."),
			"shm_size":           optional(s, `Size of /dev/shm (memory-backed); default "1Gi".`),
			"checkpoint_volume":  optional(s, "PersistentVolumeClaim (ReadWriteMany) that holds checkpoints and artifacts under the run id; needed to resume after a gang restart."),
			"checkpoint_uri":     optional(s, "Object-store URI under which the code writes checkpoints itself (MLTF_CHECKPOINT_URI, with the run id appended)."),
			"code_in_image":      optional(cty.Bool, "The image already holds the code (in working_dir): ship none. Default false: the code travels in a ConfigMap (at most 900 KiB compressed)."),
			"working_dir":        optional(s, `Working directory of the ranks; default "/mltf/work" (where the shipped code is unpacked).`),
			"image_pull_secrets": optional(cty.List(s), "Secrets to pull the image."),
			"image_pull_policy":  optional(s, `"IfNotPresent" (default), "Always" or "Never".`),
		},
	}}
	return b
}
