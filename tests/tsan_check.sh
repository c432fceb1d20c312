#!/usr/bin/env bash
# The store's and the server's concurrency tests under ThreadSanitizer:
#
#   tests/tsan_check.sh SOURCE_DIR BUILD_DIR
#
# Configures BUILD_DIR/tsan-build with clang-14 and
# -DREGISTRY_SANITIZE=thread (the runtime is libclang-rt-14-dev's), builds tsan_tests (tests/concurrency_test.cc,
# e2e_auth_test.cc, store_test.cc, storage_fault_test.cc) and runs them.
# Any race report, or any failing test, fails the check; the report is
# printed. Abseil, gRPC, protobuf and SQLite are Debian's, not
# instrumented: the registry's own locks are told to the sanitizer by
# core/sync.h, gRPC's and protobuf's inlined header code is left
# uninstrumented (tests/tsan_ignorelist.txt), and accesses made inside
# those libraries are not checked (ignore_noninstrumented_modules).
set -uo pipefail
source_dir=$(cd "${1:?source dir}" && pwd)
build_dir=${2:?build dir}
mkdir -p "$build_dir"
tsan_build=$(cd "$build_dir" && pwd)/tsan-build
log=$(mktemp)
trap 'rm -f "$log"' EXIT

fatal() {
  echo "tsan: FAIL: $*" >&2
  exit 1
}

echo "tsan: configuring $tsan_build"
# -O1 with line tables: readable stacks at a fraction of -O2 -g's build time.
command -v clang++-14 >/dev/null ||
  fatal "clang++-14 not found; install it: apt-get install -y clang-14 libclang-rt-14-dev"
if ! CC=clang-14 CXX=clang++-14 cmake -S "$source_dir" -B "$tsan_build" \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DREGISTRY_SANITIZE=thread \
    -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >"$log" 2>&1; then
  cat "$log" >&2
  fatal "cmake configure failed"
fi
echo "tsan: building tsan_tests"
if ! cmake --build "$tsan_build" -j2 --target tsan_tests >"$log" 2>&1; then
  tail -50 "$log" >&2
  fatal "build failed (is libclang-rt-14-dev installed?)"
fi

# exitcode: a run with any report fails even when every test passed.
# ASLR off where allowed: clang 14's TSan cannot map its shadow under the
# high-entropy layouts of newer kernels.
export TSAN_OPTIONS="exitcode=66 halt_on_error=0 history_size=4 ignore_noninstrumented_modules=1 suppressions=$source_dir/tests/tsan.supp"
runner=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
  runner=(setarch "$(uname -m)" -R)
fi
echo "tsan: running"
timeout 900 "${runner[@]}" "$tsan_build/bin/tsan_tests" --gtest_brief=1 >"$log" 2>&1
status=$?
if [ $status -ne 0 ] || grep -q "WARNING: ThreadSanitizer" "$log"; then
  cat "$log" >&2
  fatal "exit status $status; $(grep -c 'WARNING: ThreadSanitizer' "$log") race report(s)"
fi
grep -E "^\[  PASSED  \]|^\[==========\]" "$log"
echo "tsan: no races"
