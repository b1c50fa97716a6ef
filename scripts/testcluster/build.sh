#!/usr/bin/env bash
# Builds (once) the binaries of the test control plane from the Go module
# proxy and prints the directory that holds them:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok;
# with the argument `node`, those of the real node instead: kubelet and
# clusterdns (its cluster DNS, build/clusterdns).
# All but kwok come from the module graph of scripts/testcluster/build and
# are compiled by one `go build`, so the links run side by side with the
# compiles; kwok is built from its own module graph. The binaries are
# cached under $MLTF_TESTCLUSTER_CACHE (default ~/.cache/mltf-testcluster),
# keyed by versions, so only the first run pays for the build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
. "$here/../phase.sh"

case ${1:-control-plane} in
control-plane)
	bin=$TESTCLUSTER_BIN
	want=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok) ;;
node)
	bin=$TESTCLUSTER_NODE_BIN
	want=(kubelet clusterdns) ;;
*) echo "usage: build.sh [control-plane|node]" >&2; exit 2 ;;
esac
pkgs=() kwok=0
for b in "${want[@]}"; do
	[ -x "$bin/$b" ] && continue
	case $b in
	etcd) pkgs+=(go.etcd.io/etcd/server/v3) ;;
	kwok) kwok=1 ;;
	clusterdns) pkgs+=(./clusterdns) ;;
	*) pkgs+=("k8s.io/kubernetes/cmd/$b") ;;
	esac
done
if [ ${#pkgs[@]} -eq 0 ] && [ $kwok = 0 ]; then echo "$bin"; exit 0; fi

mkdir -p "$bin"
tmp=$(mktemp -d "$bin/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off
minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
v=k8s.io/component-base/version
ldflags="-s -w -X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
echo "testcluster: building ${pkgs[*]}$([ $kwok = 1 ] && echo " kwok") (the first time takes minutes)" >&2
if [ ${#pkgs[@]} -gt 0 ]; then
	(cd "$here/build" && phase "build ${1:-control-plane}" go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${pkgs[@]}")
fi
# kwok has its own module graph (an older client-go): built from its own
# module, like `go install sigs.k8s.io/kwok/cmd/kwok@version`.
[ $kwok = 1 ] && GOBIN=$tmp phase "build kwok" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
# go build names etcd's binary after its package path, go.etcd.io/etcd/server/v3.
[ -x "$tmp/server" ] && mv "$tmp/server" "$tmp/etcd"
for b in "${want[@]}"; do [ -x "$tmp/$b" ] && mv "$tmp/$b" "$bin/$b"; done
echo "$bin"
