#!/usr/bin/env bash
# The test command of the README: set-up, vet, every test, then the race
# detector over the engine, state, language and plugin packages. Each phase
# prints its wall and CPU time (scripts/phase.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/phase.sh
phase setup bash scripts/setup.sh
phase vet go vet ./...
phase test go test -count=1 -timeout 40m ./...
phase race go test -count=1 -race -timeout 20m ./plan/... ./state/... ./lang/... ./providers/plugin/... ./providers/local/launcher/...
