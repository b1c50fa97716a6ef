#!/bin/sh
# mltf's launcher inside a training pod: one pod per node of an Indexed
# Job. It unpacks the code, finds the newest committed checkpoint, starts
# LOCAL_WORLD_SIZE ranks with the torchrun environment and waits for all
# of them; when one fails, it stops the others and exits with its status,
# so that mltf restarts the whole gang.
set -u
node=${JOB_COMPLETION_INDEX:?JOB_COMPLETION_INDEX is not set: this pod is not part of an Indexed Job}
procs=${LOCAL_WORLD_SIZE:-1}
export NODE_RANK="$node" GROUP_RANK="$node"

if [ -f /mltf/launch/code.tar.gz ]; then
	mkdir -p "$MLTF_WORK_DIR" && tar -xzf /mltf/launch/code.tar.gz -C "$MLTF_WORK_DIR" || {
		echo "=== mltf: cannot unpack the code into $MLTF_WORK_DIR ===" >&2
		exit 2
	}
fi
cd "$MLTF_WORK_DIR" || exit 2

# wait_for FILE WHAT: a pipeline step's files are copied by mltf through
# the API; wait for it, at most MLTF_COPY_WAIT seconds.
wait_for() {
	waited=0
	while [ ! -e "$1" ]; do
		if [ "$waited" -ge "${MLTF_COPY_WAIT:-600}" ]; then
			echo "=== mltf: no mltf apply copied the $2 within ${MLTF_COPY_WAIT:-600}s ===" >&2
			return 1
		fi
		sleep 1
		waited=$((waited + 1))
	done
}
# A step's inputs that are files of the machine mltf runs on.
if [ -n "${MLTF_STAGED_INPUTS:-}" ]; then
	echo "=== mltf: waiting for the inputs to be copied into $MLTF_STAGED_INPUTS ==="
	wait_for "$MLTF_STAGED_INPUTS/.ready" inputs || exit 2
fi
mkdir -p "$MLTF_CHECKPOINT_DIR" "$MLTF_ARTIFACT_DIR" 2>/dev/null

# Resume from the newest committed checkpoint, if any; drop half-written ones.
if [ -z "${MLTF_RESUME_FROM:-}" ]; then
	newest=$(ls -1t "$MLTF_CHECKPOINT_DIR"/*/COMMIT 2>/dev/null | head -n 1)
	if [ -n "$newest" ]; then
		MLTF_RESUME_FROM=$(dirname "$newest")
		export MLTF_RESUME_FROM
	fi
fi
echo "=== mltf: attempt ${MLTF_ATTEMPT:-1}, node $node of ${GROUP_WORLD_SIZE:-1}, ${procs} ranks${MLTF_RESUME_FROM:+, resuming from $(basename "${MLTF_RESUME_FROM:-}")} ==="

state=$(mktemp -d)
pids=""
i=0
while [ "$i" -lt "$procs" ]; do
	rank=$((node * procs + i))
	(
		export LOCAL_RANK="$i" RANK="$rank" ROLE_RANK="$rank"
		if [ "${MLTF_BACKEND:-}" = nccl ] && [ -n "${MLTF_GPUS_PER_POD:-}" ] && [ "$MLTF_GPUS_PER_POD" -ge "$procs" ]; then
			export CUDA_VISIBLE_DEVICES="$i"
		fi
		if [ "$i" -eq 0 ]; then
			"$@"
			echo $? >"$state/rc.$i"
		else
			# Other local ranks' lines carry their rank, so that only the
			# first rank's metric lines count.
			{ "$@"; echo $? >"$state/rc.$i"; } 2>&1 | while IFS= read -r line; do printf '[rank %s] %s\n' "$rank" "$line"; done
		fi
	) &
	pids="$pids $!"
	i=$((i + 1))
done

stop() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	sleep 5
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
}
trap 'stop; exit 143' TERM INT

while :; do
	done_ranks=0
	i=0
	while [ "$i" -lt "$procs" ]; do
		if [ -f "$state/rc.$i" ]; then
			rc=$(cat "$state/rc.$i")
			if [ "$rc" != 0 ]; then
				echo "=== mltf: rank $((node * procs + i)) exited with status $rc; stopping the others ===" >&2
				stop
				exit "$rc"
			fi
			done_ranks=$((done_ranks + 1))
		fi
		i=$((i + 1))
	done
	[ "$done_ranks" -eq "$procs" ] && break
	sleep 1
done

# A step's declared outputs (MLTF_OUTPUTS, one a line): node 0 checks that
# they exist, says so, and waits until mltf copied them out of the pod.
if [ -n "${MLTF_OUTPUTS:-}" ] && [ "$node" = 0 ]; then
	set -f
	old_ifs=$IFS
	IFS='
'
	for f in $MLTF_OUTPUTS; do
		if [ ! -f "$MLTF_OUTPUT_DIR/$f" ]; then
			echo "=== mltf: the step wrote no $f under MLTF_OUTPUT_DIR ($MLTF_OUTPUT_DIR) ===" >&2
			exit 2
		fi
	done
	IFS=$old_ifs
	set +f
	echo "=== mltf: outputs ready to be copied ==="
	wait_for "$MLTF_RUN_DIR/.outputs-copied" outputs
fi
exit 0
