#!/usr/bin/env bash
# Builds (once) the binaries of the test control plane from the Go module
# proxy and prints the directory that holds them:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok;
# with the argument `node`, those of the real node instead: kubelet and
# CoreDNS (its cluster DNS).
# The binaries are cached under $MLTF_TESTCLUSTER_CACHE (default
# ~/.cache/mltf-testcluster), keyed by versions, so only the first run pays
# for the build (a few minutes on two cores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

case ${1:-control-plane} in
control-plane)
	bin=$TESTCLUSTER_BIN
	want=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok) ;;
node)
	bin=$TESTCLUSTER_NODE_BIN
	want=(kubelet coredns) ;;
*) echo "usage: build.sh [control-plane|node]" >&2; exit 2 ;;
esac
missing=()
for b in "${want[@]}"; do [ -x "$bin/$b" ] || missing+=("$b"); done
if [ ${#missing[@]} -eq 0 ]; then echo "$bin"; exit 0; fi

mkdir -p "$bin"
tmp=$(mktemp -d "$bin/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off
minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
pkg=k8s.io/component-base/version
ldk="-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"

log() { echo "testcluster: $*" >&2; }
start=$(date +%s)
for b in "${missing[@]}"; do
	t0=$(date +%s)
	case $b in
	etcd)
		(cd "$here/build" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3) ;;
	kwok)
		# kwok has its own module graph (an older client-go); build it from
		# its own module, like `go install sigs.k8s.io/kwok/cmd/kwok@version`.
		GOBIN=$tmp go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" ;;
	coredns)
		# Likewise from its own module, with its default plugins.
		GOBIN=$tmp go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION" ;;
	*)
		(cd "$here/build" && go build -trimpath -ldflags "$ldk" -o "$tmp/$b" "k8s.io/kubernetes/cmd/$b") ;;
	esac
	mv "$tmp/$b" "$bin/$b"
	log "built $b in $(( $(date +%s) - t0 ))s"
done
log "binaries ready in $bin after $(( $(date +%s) - start ))s"
echo "$bin"
