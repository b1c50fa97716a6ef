#!/usr/bin/env bash
# Finds a Python with torch for the training (installing Debian's
# python3-torch when none has it and -install is given). When it is not the
# first python3 on PATH, it writes python.auto.mltfvars next to this script
# with python = "<its path>": every mltf command in this directory reads
# that file, so a hand-run mltf apply uses the same interpreter.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' 2>/dev/null; then
    python="$(command -v "$p")"
    break
  fi
done
if [ -z "$python" ]; then
  if [ "${1:-}" != "-install" ]; then
    echo "No python3 with torch: install Debian's python3-torch (apt-get install python3-torch)." >&2
    exit 1
  fi
  echo "==> Installing PyTorch (Debian's python3-torch, CPU) with apt-get"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-torch
  python=/usr/bin/python3
fi
rm -f "$here/python.auto.mltfvars"
if [ "$(command -v python3 || true)" != "$python" ]; then
  printf '# Written by python.sh: the first python3 on PATH has no torch.\npython = "%s"\n' "$python" >"$here/python.auto.mltfvars"
  echo "==> The first python3 on PATH has no torch: python.auto.mltfvars sets python = \"$python\""
fi
