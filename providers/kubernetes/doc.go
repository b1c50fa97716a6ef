// Package kubernetes is mltf's Kubernetes provider. It owns two kinds:
//
//   - cluster: a namespace (created or adopted) with a ResourceQuota,
//     PriorityClasses, a ServiceAccount and Role for training pods, and per
//     pool the scheduling constraints of its nodes; where the cluster has
//     the CRDs, a Karpenter NodePool per pool and Kueue ResourceFlavors, a
//     ClusterQueue and a LocalQueue.
//   - training: per run a headless Service, a ConfigMap (launcher, helper,
//     code) and an Indexed Job with one pod per node, supervised through
//     shared watches while apply runs: logs and metrics from pod logs,
//     gang restarts within the retry budgets, re-attach after a killed
//     apply. A pipeline step runs as a training does; mltf copies its
//     local inputs into its pod and its declared outputs out of it into
//     the artifact store, through pods/exec (stepfiles.go).
//
// It talks to the API server with client-go: server-side apply with field
// manager "mltf" for everything it creates, informers rather than polling.
// It never imports the engine; the mltf binary serves it as the bundled
// provider "kubernetes".
package kubernetes
