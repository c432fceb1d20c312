#!/usr/bin/env bash
# Generates the Python gRPC stubs of proto/registry/v1 into OUTDIR (not
# committed): registry/v1/*_pb2.py and *_pb2_grpc.py, and google/rpc's
# status_pb2.py and error_details_pb2.py, importable with OUTDIR
# on sys.path (--stubs OUTDIR or REGISTRY_PY_STUBS=OUTDIR). Without OUTDIR,
# into the package's own hsct_registry/_stubs, where the client finds them
# by itself and from where `pip install ./clients/python` installs them.
#
# Debian 12's python3-grpc-tools (grpcio-tools 1.14) bundles a protoc too old
# for proto3 `optional` fields, which the registry's protos use; so the
# messages come from the system protoc (protobuf-compiler, 3.21, matching
# python3-protobuf) and the service stubs from its grpc_python_plugin
# (protobuf-compiler-grpc). Override with PROTOC and GRPC_PYTHON_PLUGIN.
set -euo pipefail

if [ $# -gt 1 ]; then
  echo "usage: gen_stubs.sh [OUTDIR]" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
outdir=${1:-$root/clients/python/hsct_registry/_stubs}
protoc=${PROTOC:-protoc}
plugin=${GRPC_PYTHON_PLUGIN:-$(command -v grpc_python_plugin || true)}
if ! command -v "$protoc" >/dev/null || [ -z "$plugin" ] || [ ! -x "$plugin" ]; then
  echo "gen_stubs.sh: needs protoc and grpc_python_plugin" \
    "(apt-get install protobuf-compiler protobuf-compiler-grpc)" >&2
  exit 1
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
cd "$root/proto"
"$protoc" -I . \
  --plugin=protoc-gen-grpc_python="$plugin" \
  --python_out="$outdir" --grpc_python_out="$outdir" \
  registry/v1/*.proto
# google.rpc's error model (vendored unmodified), for the error details;
# its google/ merges with python3-protobuf's as a namespace package.
"$protoc" -I . --python_out="$outdir" google/rpc/status.proto \
  google/rpc/error_details.proto
