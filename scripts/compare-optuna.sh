#!/usr/bin/env bash
# Side-by-side of mltf's TPE and Optuna 3.1's TPE on Branin and Hartmann-6:
# the median over seeds 0..9 of the best value after 50 and 100 sequential
# trials. The published Optuna figures in kinds/sweep/search/quality_test.go
# come from the first half of this script's output.
#
#   bash scripts/compare-optuna.sh            # both sides (Optuna takes a few minutes)
#   bash scripts/compare-optuna.sh --go-only  # mltf's samplers only
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--go-only" ]; then
  if ! /usr/bin/python3 -c 'import optuna' 2>/dev/null; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-optuna
  fi
  /usr/bin/python3 kinds/sweep/search/testdata/optuna_benchmark.py
  /usr/bin/python3 kinds/sweep/search/testdata/optuna_benchmark.py --multivariate
fi
echo "mltf (kinds/sweep/search), seeds 0..9"
go test -count=1 -run 'TestSamplerComparison' -v ./kinds/sweep/search | grep -E '@50'
echo "suggestion speed (cpu-ns/op is the figure on a shared machine)"
go test -count=1 -run '^$' -bench TPESuggest ./kinds/sweep/search | grep -E '^Benchmark'
