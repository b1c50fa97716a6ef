#!/usr/bin/env bash
# The Kubernetes provider's tests against a real control plane: builds (or
# takes from the cache) etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok, starts them on loopback ports, fetches the CRDs
# of Kueue and Karpenter from their Go modules, and runs the live tests.
# Plain `go test ./providers/kubernetes/` runs only the tests that need no
# cluster. Extra arguments go to `go test` (e.g. -run TestLiveTraining).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tc=$root/scripts/testcluster
. "$tc/versions.sh"
. "$root/scripts/phase.sh"

# CRDs from the modules' own trees; never added to mltf's go.mod.
crds=()
t_crds=$(date +%s)
for m in "sigs.k8s.io/kueue@$KUEUE_VERSION" "sigs.k8s.io/karpenter@$KARPENTER_VERSION"; do
	d=$(cd "$tc/build" && GOFLAGS=-mod=mod GOWORK=off go mod download -json "$m" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
	[ -n "$d" ] || { echo "test-kubernetes: cannot download $m" >&2; exit 1; }
	case $m in
	*kueue*) crds+=("$d"/config/components/crd/bases/kueue.x-k8s.io_{resourceflavors,clusterqueues,localqueues,workloads,admissionchecks,cohorts,topologies,workloadpriorityclasses}.yaml) ;;
	*karpenter*) crds+=("$d"/pkg/apis/crds/karpenter.sh_{nodepools,nodeclaims}.yaml) ;;
	esac
done
for f in "${crds[@]}"; do [ -f "$f" ] || { echo "test-kubernetes: missing CRD $f" >&2; exit 1; }; done
echo "test-kubernetes: the CRDs' modules ready in $(($(date +%s) - t_crds)) s" >&2

dir=$(mktemp -d "${TMPDIR:-/tmp}/mltf-testcluster.XXXXXX")
trap '"$tc/stop.sh" "$dir"' EXIT
# A real node (kubelet, containerd) besides the kwok ones, for the tests on
# real pods; MLTF_TESTCLUSTER_REAL_NODE=0 leaves it out.
export MLTF_TESTCLUSTER_REAL_NODE=${MLTF_TESTCLUSTER_REAL_NODE:-1}
# The first start builds the binaries and images (build.sh and images.sh
# print their own phases).
env=$(phase testcluster-start "$tc/start.sh" "$dir")
eval "$env"
export MLTF_TEST_KUBERNETES=1 MLTF_TEST_CRDS="${crds[*]}"
cd "$root"
phase kubernetes-tests go test -count=1 -timeout 30m ./providers/kubernetes/... "$@"
