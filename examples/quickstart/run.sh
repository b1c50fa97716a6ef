#!/usr/bin/env bash
# The quickstart: build mltf, plan, apply a real 2-rank PyTorch training,
# then plan again to show that nothing needs to change.
#
# It installs only what it runs: Debian's PyTorch (python3-torch) when no
# python3 has it. Go must be installed (https://go.dev/dl/). scripts/setup.sh
# installs what the tests need besides.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
start=$SECONDS

say() { printf '\n==> %s\n' "$*"; }

# The Python that runs train.py must have torch (see python.sh).
bash "$here/python.sh" -install

say "Building mltf (go build ./cmd/...; the first build downloads and compiles the dependencies: a few minutes)"
mkdir -p "$root/bin"
log="$(mktemp)"
if ! (cd "$root" && go build -v -o bin/ ./cmd/...) 2>&1 | tee "$log" | awk '{ n++; printf "\r    %d packages compiled", n } END { if (n) print "" }'; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
mltf="$root/bin/mltf"
say "Built $mltf in $((SECONDS - start))s"

cd "$here"
say "mltf init"
"$mltf" init
say "mltf plan"
"$mltf" plan
say "mltf apply -auto-approve: a 2-rank PyTorch DDP training (gloo) on this machine"
"$mltf" apply -auto-approve
say "mltf plan again: the run is fingerprinted, so nothing trains twice"
"$mltf" plan -detailed-exitcode
say "Done in $((SECONDS - start))s. Run $mltf plan, apply, runs list, models show digits here as you like."
