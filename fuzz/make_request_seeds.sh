#!/usr/bin/env bash
# Regenerates fuzz/corpus/request_fuzzer/*.bin (serialized
# registry.v1.SubmitRequest messages) from the text protos in
# fuzz/seeds/request_fuzzer/. Needs protoc.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/fuzz/corpus/request_fuzzer
mkdir -p "$out"
for text in "$root"/fuzz/seeds/request_fuzzer/*.textproto; do
  name=$(basename "$text" .textproto)
  protoc --proto_path="$root/proto" \
    --encode=registry.v1.SubmitRequest registry/v1/submission.proto \
    < "$text" > "$out/$name.bin"
  echo "wrote fuzz/corpus/request_fuzzer/$name.bin"
done
