#!/usr/bin/env bash
# The two steps of mltf in CI, run by github-actions.yml and gitlab-ci.yml
# (and by examples/ci_test.go, against a local blob store):
#
#   ci.sh plan DIR    on a pull request: plan, save the plan as DIR/mltf.plan
#                     and render it as DIR/comment.md for the pull request
#   ci.sh apply DIR   on merge: apply exactly DIR/mltf.plan; mltf refuses it
#                     if the state has moved since it was made (plan again)
#
# The stores come from MLTF_STATE_URL, MLTF_TRACKING_URL and
# MLTF_ARTIFACTS_URL; MLTF is the mltf binary (default: mltf on PATH).
set -euo pipefail
mltf="${MLTF:-mltf}"
step="${1:?usage: ci.sh plan|apply DIR}"
dir="${2:?usage: ci.sh plan|apply DIR}"
mkdir -p "$dir"

"$mltf" init
case "$step" in
plan)
  code=0
  "$mltf" plan -out="$dir/mltf.plan" -detailed-exitcode || code=$?
  if [ "$code" = 1 ]; then
    exit 1
  fi
  "$mltf" show -markdown "$dir/mltf.plan" >"$dir/comment.md"
  echo "Saved the plan as $dir/mltf.plan and its comment as $dir/comment.md."
  ;;
apply)
  "$mltf" apply "$dir/mltf.plan"
  ;;
*)
  echo "ci.sh: unknown step $step (plan or apply)" >&2
  exit 2
  ;;
esac
