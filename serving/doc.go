// Package serving is the serving front end of deployments: an HTTP server
// speaking the Open Inference Protocol v2 (JSON) in front of the worker
// processes of one or more versions of a model. It batches requests
// adaptively, splits traffic between versions by weight, mirrors a share
// to shadow versions, measures latency, errors, batch sizes and input drift
// (PSI against the training data), and exposes them to Prometheus
// (/metrics) and, as cumulative counts, to the deployment kind's analysis
// (the admin API). Locally it also starts and supervises the workers.
//
// It knows nothing of HCL, state or providers: the deployment kind drives it
// through Spec and the admin API (see docs/deployments.md).
package serving
