#!/usr/bin/env bash
# Serves examples/serving's digits model (TorchScript) the way a user
# does, `mltf apply` of examples/serving (train, register, deploy: mltf's
# front end with 2 workers), and the same exported model with FastAPI +
# uvicorn, and loads each in turn with hey, in one run: requests/s and
# latency percentiles side by side. `mltf destroy` stops the deployment.
#
#   bash scripts/serve-bench/compare.sh             # 20 s per server, 32 connections
#   DURATION=60s CONCURRENCY=64 bash scripts/serve-bench/compare.sh
#
# Both sides get 2 worker processes (one thread of PyTorch each) on the
# same machine as the load generator. mltf batches requests (at most 32
# rows, 5 ms, as examples/serving declares); FastAPI answers each request
# on its own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-20s}
conc=${CONCURRENCY:-32}
py=/usr/bin/python3
for t in hey go; do command -v $t >/dev/null || { echo "compare.sh needs $t (bash scripts/setup.sh)" >&2; exit 1; }; done
$py -c 'import torch, fastapi, uvicorn' 2>/dev/null || { echo "compare.sh needs PyTorch, FastAPI and uvicorn at $py (bash scripts/setup.sh)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mltf_port=$(port)
fastapi_port=$(port)

echo "building mltf; mltf apply of examples/serving (trains, registers and deploys the digits model) ..."
(cd "$root" && go build -o "$work/bin/" ./cmd/...)
mkdir -p "$work/quickstart/data" "$work/serving" "$work/pybin"
cp -r "$root/examples/serving/main.mltf.hcl" "$root/examples/serving/src" "$work/serving/"
cp "$root/examples/quickstart/data/digits.csv" "$work/quickstart/data/"
ln -s $py "$work/pybin/python3" # the training's python3: the one with torch
mltf() { (cd "$work/serving" && PATH="$work/pybin:$PATH" "$work/bin/mltf" "$@"); }
mltf apply -auto-approve -var "listen=127.0.0.1:$mltf_port" > "$work/apply.log" 2>&1 ||
  { cat "$work/apply.log" >&2; exit 1; }
stop_mltf() { mltf destroy -auto-approve >/dev/null 2>&1 || true; }
trap 'stop_mltf; cleanup' EXIT
# The version the deployment serves, as the registry holds it.
model=$(dirname "$(find "$work/serving/.mltf/artifacts" -name serving.json | head -1)")

# One request: the first row of the data set, as OIP v2 JSON.
row=$(sed -n 2p "$root/examples/quickstart/data/digits.csv" | cut -d, -f1-64)
printf '{"inputs":[{"name":"input","shape":[1,64],"datatype":"FP32","data":[%s]}]}' "$row" > "$work/body.json"

MLTF_MODEL_DIR="$model" $py -m uvicorn --app-dir "$here" fastapi_app:app --workers 2 \
  --host 127.0.0.1 --port "$fastapi_port" --log-level warning 2> "$work/fastapi.log" &
pids+=($!)

wait_ready() {
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$1/v2/health/ready" >/dev/null && return 0
    sleep 0.5
  done
  echo "server on port $1 never became ready" >&2
  exit 1
}
wait_ready "$mltf_port"
wait_ready "$fastapi_port"

# load NAME PORT: warm up, then load for $duration; prints one table row.
load() {
  local url="http://127.0.0.1:$2/v2/models/digits/infer"
  hey -n 2000 -c "$conc" -m POST -T application/json -D "$work/body.json" "$url" >/dev/null
  hey -z "$duration" -c "$conc" -m POST -T application/json -D "$work/body.json" "$url" > "$work/$1.txt"
  awk -v name="$1" '
    /Requests\/sec/ {rps=$2}
    /50% in/ {p50=$3*1000} /95% in/ {p95=$3*1000} /99% in/ {p99=$3*1000}
    /responses/ && /\[200\]/ {ok=$2}
    /responses/ && !/\[200\]/ {bad+=$2}
    /Error distribution/ {errs=1}
    errs && /^ *\[[0-9]+\]/ {n=$1; gsub(/[^0-9]/, "", n); bad+=n}
    END {printf "%-18s %10.0f %9.1f %9.1f %9.1f %9d %9d\n", name, rps, p50, p95, p99, ok, bad+0}' "$work/$1.txt"
}

echo
echo "digits model, TorchScript, $(nproc) CPUs, hey -z $duration -c $conc, one row per request"
printf "%-18s %10s %9s %9s %9s %9s %9s\n" server "req/s" "p50 ms" "p95 ms" "p99 ms" "2xx" "failed"
load "mltf" "$mltf_port" | tee "$work/rows"
load "fastapi+uvicorn" "$fastapi_port" | tee -a "$work/rows"
awk 'NR==1 {r1=$2; q1=$4} NR==2 {r2=$2; q2=$4}
  END {printf "\nmltf/fastapi: %.1fx the requests/s, p95 %.1f ms against %.1f ms\n", r1/r2, q1, q2}' "$work/rows"
grep -h "Error distribution" -A5 "$work"/mltf.txt "$work"/fastapi+uvicorn.txt || true
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
