// Package runflow carries out runs: gangs of processes that run user code
// to completion (a training, a sweep's trial, a pipeline's step; not a
// deployment's servers, see docs/architecture.md).
// It owns their lifecycle once for every compute backend:
//
//   - plan: the fingerprint of a run's inputs, the reuse of a finished run
//     with the same fingerprint, re-attaching to a running one, the reasons
//     of a new run in the user's words (Flow.Plan);
//   - apply: adopting a reused run, re-attaching, launching (or adopting a
//     live run an interrupted apply launched), the partial state saved as
//     soon as a run exists, the events of its logs, metrics and progress,
//     its final value, and detaching when mltf stops (Flow.Apply);
//   - refresh (Flow.Read) and cancel (Flow.Destroy);
//   - the run's record and metric points in the tracking store (Watch).
//
// A compute backend (providers/local, providers/kubernetes) implements
// Backend: decode where a run goes, launch a gang with its environment,
// follow it (restarting it within the retry budgets, see Budget), stop it,
// read its status and logs, keep its checkpoints. The training kind is
// Flow.Kind, an sdk.Kind that a provider serves as it is.
//
// Programs that drive runs themselves, such as a sweep's trials, use
// Flow.Launch to start a run of a configuration, Handle.Follow to stream its
// metric events until it ends, and Handle.Stop to end it early (prune):
//
//	h, diags := flow.Launch(ctx, runflow.Request{Address: "sweep.s[3]", Config: trial, Events: onEvent})
//	out := h.Follow(ctx)      // metrics reach onEvent as they come
//	h.Stop(ctx, 10*time.Second) // prune: SIGTERM, then SIGKILL after the grace
//
// The package knows no engine and no transport; a backend never imports
// another.
package runflow
