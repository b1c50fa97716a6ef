# Sourced by the CI and test scripts. `phase NAME COMMAND...` runs COMMAND
# and then prints on standard error how long it took, in wall time and in
# CPU time (user + system of COMMAND and of every process it waited for),
# with the load average, so that a log shows where the time goes on a
# shared machine, where wall time depends on everyone else's load:
#   phase vet: 95.2 s wall, 151.0 s CPU (139.3 user, 11.7 sys), load 2.31 2.05 1.90
# Daemons that COMMAND leaves running (the test cluster's) are not its
# children; MLTF_PHASE_CPUACCT, a cgroup v1 cpuacct directory holding the
# whole run, adds that cgroup's CPU time over the phase, theirs included.
# COMMAND's status is phase's status.
phase() {
	local name=$1 rc=0 t0 c0 g0 t1 c1 g1 u0 s0 u1 s1 extra=""
	shift
	t0=$(date +%s%N) g0=$(_phase_cgroup)
	_phase_cpu c0
	"$@" || rc=$?
	t1=$(date +%s%N) g1=$(_phase_cgroup)
	_phase_cpu c1
	[ -n "$g0" ] && [ -n "$g1" ] && extra=$(awk -v g="$((g1 - g0))" 'BEGIN { printf ", cgroup %.1f s CPU", g / 1e9 }')
	read -r u0 s0 <<<"$c0"
	read -r u1 s1 <<<"$c1"
	awk -v n="$name" -v w="$((t1 - t0))" -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v x="$extra" -v l="$(cut -d' ' -f1-3 /proc/loadavg)" -v rc="$rc" 'BEGIN {
		printf "phase %s: %.1f s wall, %.1f s CPU (%.1f user, %.1f sys)%s, load %s%s\n", n, w / 1e9, (u + s) / 1e3, u / 1e3, s / 1e3, x, l, rc == 0 ? "" : ", exit status " rc
	}' >&2
	return $rc
}

# _phase_cpu VAR sets VAR to the user and system CPU milliseconds of this
# shell's waited-for children, from the `times` builtin ("0m12.345s
# 0m1.234s" on its 2nd line), which must run in this shell, not a subshell.
_phase_cpu() {
	local f
	f=$(mktemp)
	times >"$f"
	printf -v "$1" '%s' "$(sed -n 2p "$f" | awk '{
		for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); printf "%d ", (p[1] * 60 + p[2]) * 1000 }
	}')"
	rm -f "$f"
}

_phase_cgroup() {
	[ -n "${MLTF_PHASE_CPUACCT:-}" ] && cat "$MLTF_PHASE_CPUACCT/cpuacct.usage" 2>/dev/null
	return 0
}
