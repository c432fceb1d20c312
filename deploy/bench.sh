#!/usr/bin/env bash
# Benchmarks on an optimised build (build-release/); prints the figures
# recorded in BENCHMARKS.md.
#   deploy/bench.sh            # outcomes and reports at full size
#   deploy/bench.sh outcomes   # only the outcome benchmark
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"${JOBS:-2}" --target outcomes_bench reports_bench registryd regctl
which=${1:-all}
if [ "$which" = all ] || [ "$which" = outcomes ]; then
  build-release/bin/outcomes_bench
fi
if [ "$which" = all ] || [ "$which" = reports ]; then
  build-release/bin/reports_bench --bin build-release/bin
fi
