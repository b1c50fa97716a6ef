# Sourced by start.sh when MLTF_TESTCLUSTER_REAL_NODE=1: adds a real node
# to the control plane, on this machine.
#
#   containerd  Debian's package, with runc and the CNI plugins; its own
#               state and socket under DIR/node, its root (images,
#               snapshots) in the cache beside the images, so the image is
#               imported once; the overlayfs snapshotter; images imported
#               from images.sh's tarballs (no registry), the pause image as
#               the sandbox image.
#   network     a bridge $MLTF_TESTCLUSTER_BRIDGE (mltf0) with the pod
#               network 10.250.0.0/24 (CNI bridge + host-local): each pod
#               gets its own network namespace and address; nothing is
#               routed or masqueraded off the bridge. The Services'
#               range 10.96.0.0/16 is routed to this machine, where
#               nothing answers unless a test forwards an address (the
#               API server's, for a pod running mltf in-cluster).
#   DNS         the cluster DNS (build/clusterdns) on the bridge's address
#               10.250.0.1:53, serving cluster.local from the API server
#               (Services, and pod names under headless Services:
#               MASTER_ADDR) and refusing every other name, so no query
#               leaves this machine.
#   kubelet     v1.36.3 on cgroup v1 (failCgroupV1: false), node
#               mltf-real-0, labelled mltf.dev/test-pool=real and tainted
#               mltf.dev/real-node=true:NoSchedule, so only pods that ask
#               for it land there; its pods' cgroups live under the memory
#               cgroup this script runs in.
#
# Uses from start.sh: dir, pki, server, bin, start, fail, log, api.
# One real node per machine at a time (the bridge and the DNS address are
# fixed): a second waits for the first to stop.

node_bin=$("$here/build.sh" node)
images=$("$here/images.sh")
image_ref=$(cat "$images/ref")
n=$dir/node
mkdir -p "$n"/{containerd,cni,kubelet,pods}
bridge=${MLTF_TESTCLUSTER_BRIDGE:-mltf0}
gateway=10.250.0.1
real_node=mltf-real-0
command -v containerd >/dev/null && command -v runc >/dev/null && [ -x /usr/lib/cni/bridge ] ||
	fail "the real node needs containerd, runc and the CNI plugins: apt-get install containerd runc containernetworking-plugins (scripts/setup.sh)"
read -r kubelet_port healthz_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')

# One real node per machine: wait for another test cluster's to go. The
# lock is held by a sleeping process stop.sh ends last.
lock=$TESTCLUSTER_CACHE/realnode.lock
flock -o -w 1800 "$lock" sh -c 'echo $$ >"$1"; exec sleep 86400' sh "$n/lock.pid" </dev/null >/dev/null 2>&1 &
for i in $(seq 1 18000); do
	[ -s "$n/lock.pid" ] && break
	[ "$i" = 20 ] && log "waiting for the real node of another test cluster to stop ($lock)"
	kill -0 $! 2>/dev/null || break
	sleep 0.1
done
[ -s "$n/lock.pid" ] || fail "another test cluster's real node held $lock for 30 minutes"
echo "$(cat "$n/lock.pid") realnode-lock" >>"$dir/pids"

# The bridge (a crashed run's is removed), before the DNS binds its address.
ip link del "$bridge" 2>/dev/null || true
ip link add "$bridge" type bridge && ip addr add "$gateway/24" dev "$bridge" && ip link set "$bridge" up ||
	fail "cannot create the bridge $bridge"
echo "$bridge" >"$n/bridge"

sock=$n/containerd/containerd.sock
ctr_root=$TESTCLUSTER_CACHE/containerd-root
cat >"$n/containerd.toml" <<TOML
version = 2
root = "$ctr_root"
state = "$n/containerd/state"
[grpc]
  address = "$sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "mltf.local/pause:${image_ref##*:}"
  # This machine's root lacks CAP_SYS_RESOURCE, so no process may lower
  # its oom_score_adj: without this runc fails every sandbox ("can't get
  # final child's PID from pipe") on the pause container's -998.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$n/cni"
TOML
cat >"$n/cni/10-mltf.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "mltf", "plugins": [
  {"type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.250.0.0/24", "gateway": "$gateway"}]],
            "routes": [{"dst": "10.96.0.0/16"}], "dataDir": "$n/cni/ipam"}}]}
JSON
start containerd containerd --config "$n/containerd.toml"
for _ in $(seq 1 300); do ctr -a "$sock" version >/dev/null 2>&1 && break; sleep 0.1; done
ctr -a "$sock" version >/dev/null 2>&1 || fail "containerd did not start"
c() { ctr -a "$sock" -n k8s.io "$@"; }
# Containers an earlier run left (killed, never cleaned): gone, so their
# snapshots are collected.
for t in $(c tasks ls -q); do c tasks kill -s SIGKILL "$t" >/dev/null 2>&1; c tasks delete -f "$t" >/dev/null 2>&1; done
for id in $(c containers ls -q); do c containers rm "$id" >/dev/null 2>&1; done
t_img=$(date +%s)
for f in pause pytorch; do
	ref=$(cat "$images/ref"); [ $f = pause ] && ref=mltf.local/pause:${ref##*:}
	c images ls -q | grep -qx "$ref" && continue
	c images import --snapshotter overlayfs "$images/$f.tar" >/dev/null || fail "cannot import $images/$f.tar into containerd"
	log "imported $ref into containerd in $(( $(date +%s) - t_img ))s"
done

start clusterdns "$node_bin/clusterdns" -kubeconfig "$dir/kubeconfig" -listen "$gateway:53"
for _ in $(seq 1 300); do grep -q 'clusterdns: serving' "$dir/logs/clusterdns.log" 2>/dev/null && break; sleep 0.1; done
grep -q 'clusterdns: serving' "$dir/logs/clusterdns.log" || fail "the cluster DNS did not start"

# The kubelet's serving certificate (the API server reads pod logs there).
if [ ! -f "$pki/kubelet.crt" ]; then
	cert kubelet "/CN=$real_node" "IP:$gateway,DNS:$real_node"
fi
# Pods' cgroups under this process's memory cgroup, in every hierarchy.
mem=$(sed -n 's/^[0-9]*:memory:\(.*\)$/\1/p' /proc/self/cgroup)
cgroot=${mem%/}/mltf-kubepods
for h in /sys/fs/cgroup/*/; do
	[ -f "$h/cgroup.procs" ] && [ "$(basename "$h")" != unified ] || continue
	mkdir -p "$h${cgroot#/}" || fail "cannot create cgroup $h${cgroot#/}"
	if [ -f "$h/cpuset.cpus" ]; then # a new cpuset has no CPUs until given its parent's
		d=${h%/}
		for part in ${cgroot//\// }; do
			[ -n "$(cat "$d/$part/cpuset.cpus")" ] || cat "$d/cpuset.cpus" >"$d/$part/cpuset.cpus"
			[ -n "$(cat "$d/$part/cpuset.mems")" ] || cat "$d/cpuset.mems" >"$d/$part/cpuset.mems"
			d=$d/$part
		done
	fi
done
echo "nameserver $gateway" >"$n/resolv.conf"
cat >"$n/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: $cgroot
containerRuntimeEndpoint: unix://$sock
address: $gateway
port: $kubelet_port
healthzBindAddress: 127.0.0.1
healthzPort: $healthz_port
readOnlyPort: 0
tlsCertFile: $pki/kubelet.crt
tlsPrivateKeyFile: $pki/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
clusterDNS: [$gateway]
resolvConf: $n/resolv.conf
failSwapOn: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
registerWithTaints:
- {key: mltf.dev/real-node, value: "true", effect: NoSchedule}
serializeImagePulls: false
podPidsLimit: 4096
YAML
start kubelet "$node_bin/kubelet" --config "$n/kubelet.yaml" --kubeconfig "$dir/kubeconfig" \
	--hostname-override "$real_node" --node-ip "$gateway" --root-dir "$n/kubelet" \
	--node-labels "mltf.dev/test-pool=real,type=real" --v=1
ready=0
for _ in $(seq 1 600); do
	if api "$server/api/v1/nodes/$real_node" 2>/dev/null | python3 -c '
import json, sys
n = json.load(sys.stdin)
sys.exit(0 if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", [])) else 1)' 2>/dev/null; then
		ready=1
		break
	fi
	sleep 0.2
done
[ "$ready" = 1 ] || fail "the kubelet did not make node $real_node ready"
echo "$real_node" >"$n/name"
echo "$image_ref" >"$n/image"
log "real node $real_node ready (containerd $(containerd --version | awk '{print $3}'), image $image_ref)"
