#!/usr/bin/env bash
# Short bounded run of the libFuzzer targets (fuzz/, docs/fuzzing.md):
#
#   tests/fuzz_smoke_test.sh BUILD_DIR
#
# Configures BUILD_DIR/fuzz-build with clang-14 and -DREGISTRY_FUZZ=ON,
# builds csv_fuzzer, record_fuzzer and request_fuzzer, then for each one
# replays every input saved in fuzz/regressions/<fuzzer>/ and fuzzes for
# FUZZ_SECONDS (default 20) seconds on a temporary copy of
# fuzz/corpus/<fuzzer>/ with the seeds fuzz/declaration_seeds.cc writes
# from the record declaration. A fuzzer fails when any replay or the run reports
# a crash, a sanitizer error, a timeout or an out-of-memory; its report and
# the crashing input (as hex) are printed. Needs clang-14 and
# libclang-rt-14-dev (deploy/install-deps.sh installs them); fails, rather
# than skips, without them.
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: fuzz_smoke_test.sh BUILD_DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$1"
fuzz_build=$(cd "$1" && pwd)/fuzz-build
fuzz_seconds=${FUZZ_SECONDS:-20}
fuzzers=(csv_fuzzer record_fuzzer request_fuzzer)

fatal() {
  echo "fuzz smoke: FAIL: $*" >&2
  exit 1
}

# --- Toolchain --------------------------------------------------------------
for tool in clang-14 clang++-14; do
  command -v "$tool" >/dev/null ||
    fatal "$tool not found; install it: apt-get install -y clang-14 libclang-rt-14-dev"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
# libFuzzer and the sanitizer runtimes come from libclang-rt-14-dev: link a
# trivial fuzzer to find out whether they are there.
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' \
  >"$work/probe.cc"
if ! clang++-14 -fsanitize=fuzzer,address,undefined "$work/probe.cc" \
    -o "$work/probe" >"$work/probe.log" 2>&1; then
  cat "$work/probe.log" >&2
  fatal "clang++-14 cannot link a libFuzzer binary (libclang_rt.fuzzer missing?); install it: apt-get install -y libclang-rt-14-dev"
fi

# --- Build --------------------------------------------------------------------
echo "fuzz smoke: configuring $fuzz_build"
if ! CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$fuzz_build" \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DREGISTRY_FUZZ=ON >"$work/configure.log" 2>&1; then
  cat "$work/configure.log" >&2
  fatal "cmake configure failed (a build dir configured with another compiler? remove $fuzz_build)"
fi
echo "fuzz smoke: building ${fuzzers[*]}"
if ! cmake --build "$fuzz_build" -j2 --target "${fuzzers[@]}" declaration_seeds \
    >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log" >&2
  fatal "build failed"
fi

# --- Run ----------------------------------------------------------------------
# Seeds for every declared record kind, beside the checked-in corpus.
seeds=$work/declaration_seeds
if ! "$fuzz_build/bin/declaration_seeds" "$seeds" >"$work/seeds.log" 2>&1; then
  cat "$work/seeds.log" >&2
  fatal "declaration_seeds failed"
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

show_failure() {  # LOG [ARTIFACT_DIR]
  # The report and the project's stack frames, without libFuzzer's own.
  grep -E 'invariant failed|ERROR:|SUMMARY:|runtime error|^ +#[0-9]+ ' "$1" |
    grep -vE ' in (fuzzer::|__sanitizer_|__libc_start|_start |main )' |
    head -n 40 >&2
  if [ $# -gt 1 ]; then
    for artifact in "$2"/*; do
      [ -f "$artifact" ] || continue
      echo "  input $(basename "$artifact") (hex): $(od -An -v -tx1 "$artifact" | tr -d ' \n')" >&2
    done
  fi
}

passed=0
failed=0
for fuzzer in "${fuzzers[@]}"; do
  binary=$fuzz_build/bin/$fuzzer
  ok=1

  # Every saved regression input, one run each (a file argument replays it).
  replayed=0
  for input in "$root"/fuzz/regressions/"$fuzzer"/*; do
    [ -f "$input" ] || continue
    replayed=$((replayed + 1))
    log=$work/$fuzzer.replay.log
    if ! timeout 60 "$binary" -rss_limit_mb=2048 "$input" >"$log" 2>&1; then
      echo "FAIL $fuzzer: regression ${input#"$root"/} still crashes" >&2
      show_failure "$log"
      echo "  input (hex): $(od -An -v -tx1 "$input" | tr -d ' \n')" >&2
      ok=0
    fi
  done

  # A bounded run on a copy of the seed corpus (libFuzzer adds to it).
  corpus=$work/$fuzzer.corpus
  artifacts=$work/$fuzzer.artifacts
  mkdir -p "$corpus" "$artifacts"
  cp "$root"/fuzz/corpus/"$fuzzer"/* "$corpus"/
  if [ -d "$seeds/$fuzzer" ]; then cp "$seeds/$fuzzer"/* "$corpus"/; fi
  log=$work/$fuzzer.log
  timeout $((fuzz_seconds + 120)) "$binary" -max_total_time="$fuzz_seconds" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
  status=$?
  if [ $status -ne 0 ] || grep -qE '^==[0-9]+== ?ERROR|^SUMMARY: ' "$log"; then
    echo "FAIL $fuzzer: the run reported a crash (exit status $status)" >&2
    show_failure "$log" "$artifacts"
    ok=0
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")

  if [ $ok -eq 1 ]; then
    echo "PASS $fuzzer: ${runs:-?} runs in ${fuzz_seconds}s, $replayed regression input(s) replayed"
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done

echo "fuzz smoke: $passed passed, $failed failed"
[ $failed -eq 0 ]
