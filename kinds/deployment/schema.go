package deployment

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

// rolloutType is the type of the rollout attribute.
func rolloutType() cty.Type {
	return cty.Object(map[string]cty.Type{"state": cty.String, "step": cty.String, "traffic": cty.Map(cty.Number), "detail": cty.String})
}

// Strategies are the strategy block's labels.
var Strategies = []string{"canary", "blue_green", "shadow", "all_at_once"}

// Schema returns the deployment kind's schema.
func Schema() *schema.Block {
	n, s, dyn := cty.Number, cty.String, cty.DynamicPseudoType
	analysis := &schema.NestedBlock{Nesting: schema.NestingSingle, Block: schema.Block{
		Description: "What a new version must keep to at every step; any bound broken rolls back.",
		Attributes: map[string]*schema.Attribute{
			"max_error_rate":  optional(n, "Largest share of failed requests (0.01: 1%) on the new version."),
			"max_p99":         optional(s, `Largest 99th percentile latency on the new version, e.g. "100ms".`),
			"max_input_drift": optional(n, "Largest PSI of any input column of the live inputs against the training data set."),
			"min_requests":    optional(n, "Requests the new version must have answered before its error rate and p99 count; default 20."),
		}}}
	return &schema.Block{
		Description: "A served model version behind an alias: replicas, batching, and a rollout strategy with analysis and rollback.",
		Attributes: map[string]*schema.Attribute{
			"model":    {Type: dyn, Required: true, Description: "The model resource whose version is served, e.g. model.digits."},
			"alias":    optional(s, `Serve the version this alias of the model points at, e.g. "production".`),
			"version":  optional(n, "Serve this version (a rollback by plan); overrides alias."),
			"pool":     {Type: dyn, Required: true, Description: "Where the workers run: a cluster's pool."},
			"replicas": optional(n, "Worker processes of each served version; default 1."),
			"listen":   optional(s, `Address of the front end, locally; default "127.0.0.1:8080". On Kubernetes the front end is a Service.`),
			"image":    optional(s, "Container image of the workers on Kubernetes: Python with PyTorch for mltf's TorchScript worker, else what the worker command needs. Required there; unused locally."),
			"cpus":     optional(n, "CPUs of each worker (0.5 is half a core); on Kubernetes the worker container's CPU request. Recorded locally."),
			"memory":   optional(s, `Memory of each worker, e.g. "2Gi"; on Kubernetes the worker container's memory request and limit. Recorded locally.`),
			"gpus":     optional(n, "GPUs of each worker; on Kubernetes requested as the pool's GPU resource (request = limit). Recorded locally."),
			"worker":   optional(cty.List(s), `Command of a worker, for a framework other than TorchScript: "{model}" is the version's directory and "{port}" the port to listen on. Default: mltf's TorchScript worker.`),

			"url":             computed(s, "Base URL of the front end: POST URL/v2/models/NAME/infer."),
			"metrics_url":     computed(s, "Prometheus endpoint of the front end."),
			"serving_version": computed(n, "The model version that takes the traffic."),
			"rollout":         computed(rolloutType(), "The last rollout: state (complete, rolled_back), step, traffic by version (percent), detail."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"batching": {Nesting: schema.NestingSingle, Block: schema.Block{Attributes: map[string]*schema.Attribute{
				"max_batch_size": optional(n, "Most rows in a batch sent to a worker; default 32."),
				"max_latency":    optional(s, `Longest a request waits for others to join its batch, under load; default "5ms".`),
			}}},
			"strategy": {Nesting: schema.NestingMap, Block: schema.Block{
				Description: `How a new version replaces the serving one: "canary", "blue_green", "shadow" or "all_at_once" (the default).`,
				Attributes: map[string]*schema.Attribute{
					"steps":           optional(cty.List(n), "canary: percentages of traffic on the new version, rising to 100; default [5, 25, 50, 100]."),
					"interval":        optional(s, `How long each step (canary), the preview (blue_green) or the mirroring (shadow) lasts before analysis passes it; default "1m".`),
					"rollback_window": optional(s, `blue_green: how long the old version is kept after the switch, to switch back; default "5m".`),
					"percent":         optional(n, "shadow: percentage of live requests mirrored to the new version; default 100."),
				},
				Blocks: map[string]*schema.NestedBlock{"analysis": analysis},
			}},
			"autoscale": {Nesting: schema.NestingSingle, Block: schema.Block{
				Description: "Kubernetes: a HorizontalPodAutoscaler on each version's workers.",
				Attributes: map[string]*schema.Attribute{
					"min":        {Type: n, Required: true, Description: "Fewest workers."},
					"max":        {Type: n, Required: true, Description: "Most workers."},
					"target_cpu": optional(n, "Average CPU use of a worker to keep, in percent of one core (the resource metrics API, from metrics-server); default 70 unless target_rps is set."),
					"target_rps": optional(n, "Requests per second per worker to keep (the Pods metric mltf_worker_requests_per_second, served by prometheus-adapter through the custom metrics API: see docs/deployments.md)."),
				}}},
		},
	}
}
