#!/usr/bin/env bash
# Starts a throwaway Kubernetes control plane on loopback ports: etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler and kwok, which
# plays the kubelet of fake GPU nodes (those annotated
# kwok.x-k8s.io/node=fake). Everything lives in DIR (default: a new
# temporary directory): certificates, etcd's data, logs, the kubeconfig. It prints the lines to source:
#   export KUBECONFIG=DIR/kubeconfig MLTF_TESTCLUSTER_DIR=DIR
# and stops it all with: scripts/testcluster/stop.sh DIR
#
# Environment:
#   MLTF_TESTCLUSTER_NODES  fake nodes to create (default 4), each with
#   MLTF_TESTCLUSTER_GPUS   nvidia.com/gpu capacity (default 8)
#   MLTF_TESTCLUSTER_LOGS   file every fake container "prints" (default DIR/pod.log)
#   MLTF_TESTCLUSTER_REAL_NODE=1  also a real node: kubelet and containerd on
#                           this machine (realnode.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
bin=$("$here/build.sh")
dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/mltf-testcluster.XXXXXX")}
mkdir -p "$dir"/{pki,etcd,logs}
dir=$(cd "$dir" && pwd)
pki=$dir/pki
: >"$dir/pids"
log() { echo "testcluster: $*" >&2; }
fail() {
	log "$*"
	for f in "$dir"/logs/*.log; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
	"$here/stop.sh" "$dir" >/dev/null 2>&1 || true
	exit 1
}

# Free loopback ports.
read -r etcd_port peer_port api_port kcm_port sched_port kwok_port < <(python3 - <<'PY'
import socket
socks = []
for _ in range(6):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)

# Certificates: a CA, the API server's serving certificate, an admin
# client (system:masters), the service account key pair, kwok's serving
# certificate (the "kubelet" the API server asks for pod logs).
ossl() { openssl "$@" >/dev/null 2>&1; }
cert() { # name subject san
	ossl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr"
	printf '%s\n' "subjectAltName=$3" "extendedKeyUsage=serverAuth,clientAuth" >"$pki/$1.ext"
	ossl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 30 -extfile "$pki/$1.ext" -out "$pki/$1.crt"
}
if [ ! -f "$pki/ca.crt" ]; then
	ossl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=mltf-testcluster-ca" -keyout "$pki/ca.key" -out "$pki/ca.crt"
	cert apiserver "/CN=kube-apiserver" "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
	cert admin "/O=system:masters/CN=admin" "DNS:admin"
	cert kwok "/CN=kwok" "IP:127.0.0.1,DNS:localhost"
	ossl genrsa -out "$pki/sa.key" 2048
	ossl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub"
fi

server=https://127.0.0.1:$api_port
cat >"$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: mltf-test
  cluster:
    server: $server
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: mltf-test
  context: {cluster: mltf-test, user: admin}
current-context: mltf-test
KC

start() { # name args...
	local name=$1
	shift
	"$@" >"$dir/logs/$name.log" 2>&1 &
	echo "$! $name" >>"$dir/pids"
}
wait_for() { # what url [curl args]
	local what=$1 url=$2
	shift 2
	for _ in $(seq 1 600); do
		curl -fsS -o /dev/null "$@" "$url" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "$what did not become ready at $url"
}
t0=$(date +%s.%N)

start etcd "$bin/etcd" --name default --data-dir "$dir/etcd" \
	--listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
	--listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
	--initial-cluster "default=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level warn
wait_for etcd "http://127.0.0.1:$etcd_port/health"

start kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
	--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
	--tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
	--service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
	--service-account-issuer https://kubernetes.default.svc --api-audiences https://kubernetes.default.svc \
	--service-cluster-ip-range 10.96.0.0/16 --authorization-mode RBAC \
	--kubelet-client-certificate "$pki/admin.crt" --kubelet-client-key "$pki/admin.key" \
	--kubelet-preferred-address-types InternalIP --allow-privileged=true --v=1
wait_for kube-apiserver "$server/readyz" --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key"

start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$dir/kubeconfig" \
	--leader-elect=false --bind-address 127.0.0.1 --secure-port "$kcm_port" \
	--service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
	--use-service-account-credentials=false --controllers '*,-nodeipam' \
	--concurrent-job-syncs 20 --v=1
start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$dir/kubeconfig" \
	--leader-elect=false --bind-address 127.0.0.1 --secure-port "$sched_port" --v=1

logs_file=${MLTF_TESTCLUSTER_LOGS:-$dir/pod.log}
[ -f "$logs_file" ] || : >"$logs_file"
sed "s#@LOGS_FILE@#$logs_file#" "$here/kwok.yaml" >"$dir/kwok.yaml"
start kwok "$bin/kwok" --kubeconfig "$dir/kubeconfig" --config "$dir/kwok.yaml" \
	--manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --node-ip 127.0.0.1 --node-port "$kwok_port" \
	--server-address "127.0.0.1:$kwok_port" --tls-cert-file "$pki/kwok.crt" --tls-private-key-file "$pki/kwok.key"

# Fake GPU nodes.
api() { curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" -H 'Content-Type: application/json' "$@"; }
nodes=${MLTF_TESTCLUSTER_NODES:-4}
gpus=${MLTF_TESTCLUSTER_GPUS:-8}
for i in $(seq 0 $((nodes - 1))); do
	api -X POST "$server/api/v1/nodes" -d @- >/dev/null <<JSON || fail "cannot create node gpu-$i"
{"apiVersion":"v1","kind":"Node","metadata":{"name":"gpu-$i","annotations":{"kwok.x-k8s.io/node":"fake"},
 "labels":{"kubernetes.io/hostname":"gpu-$i","type":"kwok","mltf.dev/test-pool":"gpu","nvidia.com/gpu.product":"NVIDIA-A100-SXM4-80GB"}},
 "spec":{"taints":[{"key":"nvidia.com/gpu","effect":"NoSchedule"}]},
 "status":{"capacity":{"cpu":"96","memory":"1024Gi","pods":"110","nvidia.com/gpu":"$gpus"},
           "allocatable":{"cpu":"96","memory":"1024Gi","pods":"110","nvidia.com/gpu":"$gpus"}}}
JSON
done
# The default ServiceAccount appears once the controller manager runs.
for _ in $(seq 1 300); do
	api "$server/api/v1/namespaces/default/serviceaccounts/default" >/dev/null 2>&1 && break
	sleep 0.1
done
real=""
if [ "${MLTF_TESTCLUSTER_REAL_NODE:-0}" = 1 ]; then
	. "$here/realnode.sh"
	real=", a real node $real_node"
fi
log "control plane up in $(python3 -c "import time; print(round(time.time() - $t0, 1))")s: $server ($nodes fake nodes with $gpus GPUs each$real)"
echo "export KUBECONFIG=$dir/kubeconfig MLTF_TESTCLUSTER_DIR=$dir"
