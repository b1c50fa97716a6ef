#!/usr/bin/env bash
# The recovery figures of docs/kubernetes.md, each repeated:
#  - a 4-node x 8-GPU training on the test control plane loses one node
#    (the Node object is deleted, as a reclaimed spot instance's is); the
#    time from the loss to all replacement pods running, split into the
#    control plane noticing, mltf replacing the Job, and the Job
#    controller, scheduler and kubelets starting the pods
#    (TestLiveRecoveryLostNode, kwok nodes);
#  - the real node stops responding during a 2-pod training (its kubelet
#    is stopped): the node lifecycle controller's grace period, the
#    eviction when the pods' unreachable toleration expires, mltf replacing
#    the Job, and the restart on the node once it is back, resuming from
#    the newest checkpoint (TestRealPodsUnresponsiveNode). The pool
#    tolerates the unreachable node MLTF_TEST_UNREACHABLE_SECONDS (default
#    30); set it empty for Kubernetes' default of 300 s.
# Usage: scripts/recovery-figures.sh [REPEATS]   (default 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
export MLTF_TEST_UNRESPONSIVE_NODE=1 MLTF_TEST_UNREACHABLE_SECONDS=${MLTF_TEST_UNREACHABLE_SECONDS-30}
bash "$root/scripts/test-kubernetes.sh" -run '^(TestLiveRecoveryLostNode|TestRealPodsUnresponsiveNode)$' -count="$n" -v >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
grep -o 'MEASURE .*' "$out"
