#!/usr/bin/env bash
# Measures a cold `.ci/run`: a fresh clone of this repository's HEAD, run
# with nothing cached: HOME, the Go build and module caches and the test
# cluster's cache (binaries, images, containerd's root) all start empty
# under DIR. Debian packages stay installed (scripts/setup.sh finds them);
# their download and installation is measured apart. Only the real node's
# lock is shared with the machine's other test clusters, which use the same
# bridge and DNS address.
#
# The run gets a cgroup v1 cpuacct group of its own (at the path of its
# memory cgroup, where realnode.sh also puts the pods), so each phase's
# line (scripts/phase.sh) also gives the CPU time of everything it started,
# the test cluster's daemons and pods included.
#
# Usage: scripts/ci-cold.sh [DIR]   (default: a new directory in /tmp;
# about 15 GB). The log is DIR/ci.log; DIR stays for inspection.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(mktemp -d /tmp/mltf-cold.XXXXXX)}
mkdir -p "$dir/home/.cache/mltf-testcluster"
shared_lock=${MLTF_TESTCLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mltf-testcluster}/realnode.lock
mkdir -p "$(dirname "$shared_lock")"
touch "$shared_lock"
ln -sf "$shared_lock" "$dir/home/.cache/mltf-testcluster/realnode.lock"
git clone -q "$root" "$dir/mltf"

mem=$(sed -n 's/^[0-9]*:memory:\(.*\)$/\1/p' /proc/self/cgroup)
cg=/sys/fs/cgroup/cpuacct${mem%/}
if [ -d /sys/fs/cgroup/cpuacct ] && mkdir -p "$cg" 2>/dev/null && echo $$ >"$cg/cgroup.procs" 2>/dev/null; then
	export MLTF_PHASE_CPUACCT=$cg
fi
echo "cold .ci/run of $(git -C "$dir/mltf" rev-parse --short HEAD) in $dir, started $(date -u +%H:%M:%S), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$dir/ci.log"
cd "$dir/mltf"
# The Go tools installed under the machine's GOPATH leave PATH too.
path=$(echo "$PATH" | tr : '\n' | grep -vx "$(go env GOPATH)/bin" | paste -sd:)
# Interpreters managed under HOME (pyenv) stay where they are.
[ -d "$HOME/.pyenv" ] && export PYENV_ROOT=${PYENV_ROOT:-$HOME/.pyenv}
rc=0
env -u GOCACHE -u GOMODCACHE -u GOPATH -u XDG_CACHE_HOME -u MLTF_TESTCLUSTER_CACHE HOME="$dir/home" \
	PATH="$dir/home/go/bin:$path" bash .ci/run >>"$dir/ci.log" 2>&1 || rc=$?
echo "exit status $rc, ended $(date -u +%H:%M:%S)" | tee -a "$dir/ci.log"
grep '^phase \|testcluster: \(built\|imported\|control plane up\)' "$dir/ci.log"
exit $rc
