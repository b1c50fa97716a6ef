#!/usr/bin/env bash
# Side by side: `mltf apply` of a dataset over the transactions CSV of
# providers/data/datagen (all six columns checked and profiled), with and
# without `unique = true` on id, and pandas doing the same checks and
# statistics on the same file. Prints wall time, MB/s, CPU seconds (user and
# system, of the process and the children it waited for: mltf's provider
# plugins), MB per CPU-second and peak RSS (of the largest process) for
# each, with the load average just before the run: on a shared machine the
# wall clock follows the load, the CPU seconds much less.
#
#   bash scripts/validate-bench/compare.sh                 # 6,050,000 rows (~300 MB)
#   ROWS=24200000 bash scripts/validate-bench/compare.sh   # 4x larger
#   UNIQUE_MEMORY=64MiB bash scripts/validate-bench/compare.sh --no-pandas
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-6050000}
WORK=${WORK:-${TMPDIR:-/tmp}/mltf-validate-compare}
mkdir -p "$WORK/data"
go build -o "$WORK/" ./cmd/...
CSV="$WORK/data/transactions-$ROWS.csv"
[ -f "$CSV" ] || go run ./scripts/validate-bench -rows "$ROWS" -o "$CSV"
SIZE=$(stat -c %s "$CSV")

# run LABEL CMD...: wall and CPU seconds and peak RSS from GNU time.
run() {
  local label=$1; shift
  local out load
  load=$(cut -d' ' -f1 /proc/loadavg)
  out=$( { /usr/bin/time -f "%e %M %U %S" "$@" >/dev/null 2>"$WORK/stderr"; } 2>&1 ) || { cat "$WORK/stderr" >&2; return 1; }
  out=$(tail -1 "$WORK/stderr")
  read -r secs kb user sys <<<"$out"
  awk -v l="$label" -v s="$secs" -v kb="$kb" -v cpu="$user $sys" -v size="$SIZE" -v load="$load" \
    'BEGIN { split(cpu, c, " "); cpu = c[1] + c[2]
      printf "%-34s %7.2f s %8.1f MB/s %6.2f CPU-s %6.1f MB/CPU-s %6.0f MB peak RSS  load %s\n", l, s, size/1e6/s, cpu, size/1e6/cpu, kb/1024, load }'
}

dataset() { # DIR UNIQUE
  mkdir -p "$1"
  cat >"$1/main.mltf.hcl" <<HCL
mltf {
  state { url = "file://.mltf/state" }
}

dataset "transactions" {
  source = "$CSV"
  ${UNIQUE_MEMORY:+unique_memory = "$UNIQUE_MEMORY"}
  schema {
    column "id" {
      type     = "int64"
      nullable = false
      unique   = $2
    }
    column "amount" {
      type     = "float64"
      nullable = false
      min      = 0
    }
    column "label" {
      type     = "int64"
      nullable = false
      values   = [0, 1]
    }
    column "country" {
      type     = "string"
      nullable = false
      regex    = "^[A-Z]{2}$"
    }
    column "score" {
      type     = "float64"
      nullable = false
    }
    column "ts" {
      type     = "timestamp"
      nullable = false
    }
  }
}
HCL
  rm -rf "$1/.mltf"
}

echo "$CSV: $ROWS rows, $((SIZE / 1000000)) MB, $(nproc) cores"
for u in false true; do
  dataset "$WORK/unique-$u" "$u"
  (cd "$WORK/unique-$u" && run "mltf apply (unique = $u)" "$WORK/mltf" apply -auto-approve)
done
if [ "${1:-}" != "--no-pandas" ]; then
  if ! /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-pandas
  fi
  run "pandas $(/usr/bin/python3 -c 'import pandas; print(pandas.__version__)') (unique ids checked)" /usr/bin/python3 scripts/validate-bench/pandas_validate.py "$CSV" --unique
fi
