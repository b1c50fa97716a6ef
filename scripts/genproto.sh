#!/bin/sh
# Regenerates the Go code of the provider plugin protocol from
# providers/plugin/pluginpb/provider.proto.
#
# Needs protoc (Debian: apt-get install -y protobuf-compiler) and the two
# Go plugins at the versions the committed code was made with:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
#   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
#
# Usage: scripts/genproto.sh [OUTDIR]   (OUTDIR defaults to the source tree;
# the freshness test passes a temporary directory).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root}
gobin=$(go env GOPATH)/bin
PATH=$gobin:$PATH
for tool in protoc protoc-gen-go protoc-gen-go-grpc; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "genproto.sh: $tool not found; see the comment at the top of this script" >&2
		exit 1
	}
done
mkdir -p "$out/providers/plugin/pluginpb"
cd "$root"
protoc -I . \
	--go_out="$out" --go_opt=paths=source_relative \
	--go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
	providers/plugin/pluginpb/provider.proto
