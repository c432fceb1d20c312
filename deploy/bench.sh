#!/usr/bin/env bash
# Outcome benchmarks on an optimised build (build-release/); prints the
# figures recorded in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"${JOBS:-2}" --target outcomes_bench
build-release/bin/outcomes_bench "$@"
