#!/usr/bin/env bash
# The benchmark suite: an optimised build (build-release/), then every
# figure in one run, written to BENCHMARKS.md and benchmarks/results.json.
#   deploy/bench.sh [--patients N] [--repetitions N]   (default 100,000
#                                                       patients, 5 repetitions)
#   deploy/bench.sh --only outcome-reports [--patients N] [--repetitions N]
#     only the end-to-end outcome reports against their ceiling, written
#     beside the last full run's figures
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"${JOBS:-2}" --target registry_bench registryd regctl cohortgen
build-release/bin/registry_bench --bin build-release/bin --md BENCHMARKS.md \
  --json benchmarks/results.json "$@"
