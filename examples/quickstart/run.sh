#!/usr/bin/env bash
# The quickstart: build mltf, plan, apply a real 2-rank PyTorch training,
# then plan again to show that nothing needs to change.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

bash "$root/scripts/setup.sh"
mkdir -p "$root/bin"
(cd "$root" && go build -o bin/ ./cmd/mltf ./cmd/mltf-supervisor)
mltf="$root/bin/mltf"

# Debian's PyTorch lives in /usr/bin/python3; the first python3 on PATH may
# be another interpreter without torch.
if ! python3 -c 'import torch' 2>/dev/null; then
  mkdir -p /tmp/mltf-python
  ln -sf /usr/bin/python3 /tmp/mltf-python/python3
  export PATH="/tmp/mltf-python:$PATH"
fi

cd "$here"
"$mltf" init
"$mltf" plan
"$mltf" apply -auto-approve
echo
echo "Planning again: the run is fingerprinted, so nothing trains twice."
"$mltf" plan -detailed-exitcode
