// Package pipeline is the pipeline kind: a DAG of steps, each an ordinary
// run of user code on the run flow, with a content-addressed step cache.
//
// It owns what a pipeline is, the same for every provider that runs one:
// its schema and decoding (steps, their inputs and outputs, the order the
// inputs impose), the key of a step (code, command, params, image, env,
// outputs and the fingerprints of its inputs), the cache of finished
// steps and their outputs in the artifact store (Store), the plan's words
// for each step, and the walk that runs the steps whose key is not cached,
// stops at a failed step and re-attaches to steps an interrupted apply
// left running. Launching a step belongs to the run flow
// (providers/runflow); a step's files reach the artifact store through its
// run's artifacts.
package pipeline
