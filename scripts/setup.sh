#!/usr/bin/env bash
# Installs what mltf's quickstart and tests need on a fresh Debian machine:
# PyTorch (CPU, gloo) from Debian, protoc for the generated-code check, and
# the PostgreSQL server the tracking and state store tests start themselves,
# and for serving: wrk and hey (load generators) and FastAPI with uvicorn, the
# baseline of scripts/serve-bench; for mltf server: Chromium (the web UI's
# browser tests) and Node with npm (the npm mlflow client's test).
set -euo pipefail
need=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# The real node of the Kubernetes test cluster (scripts/testcluster/realnode.sh).
command -v containerd >/dev/null 2>&1 || need+=(containerd)
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || need+=(iptables) # forwards the API server to the real node's pods in a test
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v hey >/dev/null 2>&1 || need+=(hey)
/usr/bin/python3 -c 'import fastapi, uvicorn' 2>/dev/null || need+=(python3-fastapi python3-uvicorn)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${need[@]}"
fi

# The generated plugin-protocol code is checked against a fresh generation;
# the generators come from the module proxy at the versions it was made with.
gobin=$(go env GOPATH)/bin
[ -x "$gobin/protoc-gen-go" ] || go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
[ -x "$gobin/protoc-gen-go-grpc" ] || go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
