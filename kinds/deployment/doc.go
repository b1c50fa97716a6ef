// Package deployment is the deployment kind: a registered model version
// served behind an alias by a gang of worker processes and the serving
// front end, rolled out by canary, blue-green, shadow or all at once, with
// analysis (error rate, p99 latency, input drift) at every step and an
// automatic rollback. It owns the kind's schema, decoding, plan reasons
// and rollout; the backends (local, kubernetes) start and stop what serves.
package deployment
