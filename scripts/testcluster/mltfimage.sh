#!/usr/bin/env bash
# Builds the image a scheduled pipeline's CronJob runs on the test
# cluster's real node, and imports it into the node's containerd:
#
#   mltfimage.sh MLTF_BINARY CLUSTER_DIR
#
# It holds MLTF_BINARY as /usr/local/bin/mltf, the executables of the
# providers that ship with mltf (mltf-provider-*) found beside MLTF_BINARY
# beside it, and what the CronJob's script uses (sh, tar, gzip, coreutils' mkdir and date) with the libraries they
# and mltf need, taken from this machine's Debian packages, as images.sh
# makes the PyTorch image. It prints the image's name,
# mltf.local/mltf:KEY, KEY a hash of the binary; an image already in
# containerd is not built again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: mltfimage.sh MLTF_BINARY CLUSTER_DIR}
dir=${2:?usage: mltfimage.sh MLTF_BINARY CLUSTER_DIR}
sock=$dir/node/containerd/containerd.sock
[ -S "$sock" ] || { echo "mltfimage: the test cluster in $dir has no real node" >&2; exit 1; }
providers=$(ls "$(dirname "$bin")"/mltf-provider-* 2>/dev/null || true)
key=$(cat "$bin" $providers | sha256sum | cut -c1-16)
ref=mltf.local/mltf:$key
c() { ctr -a "$sock" -n k8s.io "$@"; }
if c images ls -q | grep -qx "$ref"; then echo "$ref"; exit 0; fi

start=$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here/image" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off go build -trimpath -o "$tmp/image" .)
pkgs=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks \
	--no-replaces --no-enhances dash coreutils tar gzip base-files libc6 | grep -v '^[ <]' | sort -u)
{
	dpkg -L $pkgs 2>/dev/null
	printf '%s\n' /usr/local/bin/mltf /bin /sbin /lib /lib64 /tmp /etc/ld.so.cache /etc/passwd /etc/group /etc/nsswitch.conf
	for p in $providers; do echo "/usr/local/bin/$(basename "$p")"; done
} | sort -u >"$tmp/files"
# The binaries in /usr/local/bin: in a mount namespace of its own, so that
# this machine's /usr/local/bin is left as it is.
unshare -m --propagation private sh -c '
	bin=$1 tmp=$2 ref=$3; shift 3
	mount -t tmpfs none /usr/local/bin && cp "$bin" /usr/local/bin/mltf &&
	for p; do cp "$p" /usr/local/bin/ || exit 1; done &&
	"$tmp/image" -ref "$ref" -o "$tmp/mltf.tar" <"$tmp/files"' sh "$bin" "$tmp" "$ref" $providers
c images import --snapshotter overlayfs "$tmp/mltf.tar" >/dev/null
echo "mltfimage: built and imported $ref ($(du -m "$tmp/mltf.tar" | cut -f1) MB) in $(($(date +%s) - start))s" >&2
echo "$ref"
