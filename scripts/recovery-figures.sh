#!/usr/bin/env bash
# The recovery figures of docs/kubernetes.md: a 4-node x 8-GPU training on
# the test control plane loses one node (the Node object is deleted, as a
# reclaimed spot instance's is); the time from the loss to all replacement
# pods running, split into the control plane noticing, mltf replacing the
# Job, and the Job controller, scheduler and kubelets starting the pods.
# Usage: scripts/recovery-figures.sh [REPEATS]   (default 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bash "$root/scripts/test-kubernetes.sh" -run '^TestLiveRecoveryLostNode$' -count="$n" -v >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
grep -o 'MEASURE .*' "$out"
