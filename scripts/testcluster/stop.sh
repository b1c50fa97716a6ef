#!/usr/bin/env bash
# Stops the control plane start.sh started in DIR (the processes listed in
# DIR/pids), then removes DIR unless MLTF_TESTCLUSTER_KEEP=1. A real node
# (realnode.sh) goes first: the kubelet, then its containers (killed through
# containerd), then containerd; afterwards its mounts under DIR, the pods'
# network namespaces and the bridge are removed.
set -uo pipefail
dir=${1:?usage: stop.sh DIR}
[ -f "$dir/pids" ] || exit 0
n=$dir/node
netns=""
if [ -d "$n" ]; then
	sock=$n/containerd/containerd.sock
	kubelet=$(awk '$2 == "kubelet" {print $1}' "$dir/pids")
	if [ -n "$kubelet" ] && kill "$kubelet" 2>/dev/null; then
		echo "testcluster: stopped kubelet ($kubelet)" >&2
		for _ in $(seq 1 50); do kill -0 "$kubelet" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$kubelet" 2>/dev/null
	fi
	if [ -S "$sock" ] && ctr -a "$sock" version >/dev/null 2>&1; then
		c() { ctr -a "$sock" -n k8s.io "$@"; }
		netns=$(for id in $(c containers ls -q); do
			c containers info "$id" | python3 -c '
import json, sys
for ns in json.load(sys.stdin).get("Spec", {}).get("linux", {}).get("namespaces", []):
    if ns.get("type") == "network" and ns.get("path", "").startswith("/var/run/netns/"):
        print(ns["path"])'
		done | sort -u)
		tasks=$(c tasks ls -q)
		for t in $tasks; do c tasks kill -s SIGKILL "$t" >/dev/null 2>&1; done
		[ -n "$tasks" ] && sleep 1
		for t in $tasks; do c tasks delete -f "$t" >/dev/null 2>&1; done
		[ -n "$tasks" ] && echo "testcluster: killed $(echo $tasks | wc -w) containers of the real node" >&2
	fi
fi
# The real node's lock goes last, after its bridge.
lock=$(awk '$2 == "realnode-lock" {print $1}' "$dir/pids")
grep -v ' realnode-lock$' "$dir/pids" | tac | while read -r pid name; do
	kill "$pid" 2>/dev/null && echo "testcluster: stopped $name ($pid)" >&2
done
sleep 1
grep -v ' realnode-lock$' "$dir/pids" | tac | while read -r pid _; do kill -9 "$pid" 2>/dev/null; done
if [ -d "$n" ]; then
	awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	for ns in $netns; do umount "$ns" 2>/dev/null; rm -f "$ns"; done
	[ -f "$n/bridge" ] && ip link del "$(cat "$n/bridge")" 2>/dev/null
fi
[ -n "$lock" ] && kill "$lock" 2>/dev/null
: >"$dir/pids"
[ "${MLTF_TESTCLUSTER_KEEP:-0}" = 1 ] || rm -rf "$dir"
