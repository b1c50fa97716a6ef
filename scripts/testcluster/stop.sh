#!/usr/bin/env bash
# Stops the control plane start.sh started in DIR (the processes listed in
# DIR/pids), then removes DIR unless MLTF_TESTCLUSTER_KEEP=1.
set -uo pipefail
dir=${1:?usage: stop.sh DIR}
[ -f "$dir/pids" ] || exit 0
tac "$dir/pids" | while read -r pid name; do
	kill "$pid" 2>/dev/null && echo "testcluster: stopped $name ($pid)" >&2
done
sleep 1
tac "$dir/pids" | while read -r pid _; do kill -9 "$pid" 2>/dev/null; done
: >"$dir/pids"
[ "${MLTF_TESTCLUSTER_KEEP:-0}" = 1 ] || rm -rf "$dir"
