# Versions of the test control plane. Sourced by build.sh and start.sh.
# KUBE_VERSION and ETCD_VERSION must match scripts/testcluster/build/go.mod.
KUBE_VERSION=v1.36.3
ETCD_VERSION=v3.6.8
# kwok from its own module graph: v0.7.0 is on k8s.io 0.33 (it imports the
# kubelet's CRI streaming packages, which 1.36 moved).
KWOK_VERSION=v0.7.0
# CRDs installed by tests that exercise the optional integrations; taken from
# the modules' own trees in the Go module cache.
# (v0.10.1 is the newest Kueue the module proxy serves here.)
KUEUE_VERSION=v0.10.1
KARPENTER_VERSION=v1.6.1

TESTCLUSTER_CACHE=${MLTF_TESTCLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mltf-testcluster}
TESTCLUSTER_BIN=$TESTCLUSTER_CACHE/kube-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin
# The real node's binaries: kubelet and the cluster DNS, keyed also by the
# DNS server's source.
_dns=$(cd "$(dirname "${BASH_SOURCE[0]}")/build" && cat $(ls clusterdns/*.go | grep -v _test.go) go.sum | sha256sum | cut -c1-12)
TESTCLUSTER_NODE_BIN=$TESTCLUSTER_CACHE/node-kube-$KUBE_VERSION-dns-$_dns/bin
