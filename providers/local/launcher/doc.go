// Package launcher starts and supervises the ranks of one local training
// run: the role torchrun plays. A run lives in its own directory (spec,
// code snapshot, logs per rank, checkpoints, artifacts, status); a detached
// supervisor process (SupervisorMain) owns the ranks, so the process that
// launched it may die without ending the training, and any later process
// may re-attach by opening the directory.
//
// The supervisor restarts every rank from the newest committed checkpoint
// when one dies, within the run's retry budgets, and detects hangs. It
// writes what it knows to files only; it never talks to the tracking store
// or the artifact store, which are the provider's job.
//
// Layout of a run directory:
//
//	spec.json          the Spec the run was launched with
//	code/              snapshot of the code directory, the ranks' working directory
//	sdk/mltf.py        the Python helper, on the ranks' PYTHONPATH
//	logs/rank-N.log    raw stdout and stderr of rank N, all attempts
//	logs/supervisor.log
//	metrics.jsonl      metric points parsed from rank 0's "mltf.metric" lines
//	checkpoints/NAME/  checkpoints; committed once NAME/COMMIT exists
//	artifacts/         MLTF_ARTIFACT_DIR
//	status.json        the supervisor's Status, replaced atomically
//	supervisor.lock    held (flock) by the live supervisor
package launcher
