#!/usr/bin/env bash
# The test command of the README: set-up, vet, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
go vet ./...
go test -count=1 -timeout 40m ./...
