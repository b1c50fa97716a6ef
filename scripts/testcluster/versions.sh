# Versions of the test control plane. Sourced by build.sh and start.sh.
# KUBE_VERSION and ETCD_VERSION must match scripts/testcluster/build/go.mod.
KUBE_VERSION=v1.36.3
ETCD_VERSION=v3.6.8
KWOK_VERSION=v0.7.0
# The real node's cluster DNS (scripts/testcluster/realnode.sh).
COREDNS_VERSION=v1.14.7
# CRDs installed by tests that exercise the optional integrations; taken from
# the modules' own trees in the Go module cache.
# (v0.10.1 is the newest Kueue the module proxy serves here.)
KUEUE_VERSION=v0.10.1
KARPENTER_VERSION=v1.6.1

TESTCLUSTER_CACHE=${MLTF_TESTCLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mltf-testcluster}
TESTCLUSTER_BIN=$TESTCLUSTER_CACHE/kube-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin
# The real node's binaries: kubelet (from the same build module) and CoreDNS.
TESTCLUSTER_NODE_BIN=$TESTCLUSTER_CACHE/node-kube-$KUBE_VERSION-coredns-$COREDNS_VERSION/bin
