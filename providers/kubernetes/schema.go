package kubernetes

import (
	"github.com/zclconf/go-cty/cty"

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

func trainingSchema() *schema.Block {
	n, s, dyn := cty.Number, cty.String, cty.DynamicPseudoType
	return &schema.Block{
		Description: "One training run: code, data, params, distributed shape, checkpoint and retry policy.",
		Attributes: map[string]*schema.Attribute{
			"experiment":   optional(dyn, "The experiment the run belongs to (an experiment resource)."),
			"pool":         {Type: dyn, Required: true, Description: "Where the pods run: a cluster's pool, e.g. cluster.gpu.pool.a100."},
			"code":         {Type: s, Required: true, Description: "Directory of the code, relative to the configuration; its content enters the fingerprint and is shipped with the run."},
			"command":      {Type: cty.List(s), Required: true, Description: "The command every rank runs, in the code directory."},
			"env":          optional(cty.Map(s), "Extra environment variables of every rank."),
			"image":        optional(s, "Container image of the pods; required on Kubernetes. A digest (image@sha256:...) pins it."),
			"data":         optional(dyn, "Data sets by name: dataset resources or URIs; each reaches the ranks as MLTF_DATA_<NAME>."),
			"params":       optional(dyn, "Hyperparameters, any object; the ranks read them from MLTF_PARAMS (JSON)."),
			"hang_timeout": optional(s, `Restart the gang when no pod logs anything for this long; default "30m".`),

			"run_id":         computed(s, "The run's id in the tracking store."),
			"fingerprint":    computed(s, "Hash of code, command, env, params, data, image and distributed shape."),
			"status":         computed(s, `"running", "finished", "failed" or "cancelled".`),
			"metrics":        computed(cty.Map(n), "Last value of each metric."),
			"artifact_uri":   computed(s, "Where the run's artifacts go."),
			"checkpoint_uri": computed(s, "Where the run's checkpoints are."),
			"restarts":       computed(cty.Map(n), "Gang restarts by cause: infrastructure, user_error."),
			"started_at":     computed(s, "RFC 3339 time the Job was created."),
			"finished_at":    computed(s, "RFC 3339 time the run ended."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"distributed": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"nodes":          optional(n, "Pods, one per node; default 1."),
				"procs_per_node": optional(n, "Ranks per pod, each with one GPU on GPU pools; default 1."),
				"backend":        optional(s, `"auto" (nccl on GPU pools, else gloo), "nccl" or "gloo"; default "auto".`),
				"master_port":    optional(n, "Rendezvous port on pod 0; default 29500."),
				"timeout":        optional(s, `Timeout of collective operations (MLTF_DIST_TIMEOUT); default "10m".`),
				"nccl":           optional(cty.Map(s), "NCCL_* settings passed to every rank."),
			}}},
			"checkpoint": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"every": optional(s, `How often the code should checkpoint (MLTF_CHECKPOINT_EVERY); default "5m".`),
				"keep":  optional(n, "Committed checkpoints to keep; default 3."),
			}}},
			"retry": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"infrastructure": optional(n, "Gang restarts allowed after a pod is preempted, evicted, lost or hung; default 3."),
				"user_error":     optional(n, "Gang restarts allowed after a container exits non-zero; default 0."),
			}}},
			"resources": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"cpus":   optional(n, "CPUs for the whole run, split over the pods; sets OMP_NUM_THREADS to cpus / nodes / procs_per_node."),
				"memory": optional(s, `Memory for the whole run, split over the pods, e.g. "64Gi".`),
				"gpus":   optional(n, "GPUs for the whole run; default nodes × procs_per_node on GPU pools."),
			}}},
			"options": {Nesting: schema.NestingSingle, Block: schema.Block{
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
			}},
		},
	}
}
