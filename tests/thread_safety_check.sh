#!/usr/bin/env bash
# Clang's thread-safety analysis over every file that locks: the
# ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotations are checked
# (-Wthread-safety -Werror), not just written. Syntax only: nothing is built.
#   tests/thread_safety_check.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
source_dir=${1:?source dir}
build_dir=${2:?build dir}
compiler=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$compiler" ]; then
  echo "thread-safety check: clang++-14 is not installed (deploy/install-deps.sh installs it)" >&2
  exit 1
fi
cd "$source_dir"
# Every file of the layers that lock (a member guarded in a header is used
# in files that never name a mutex), and any other file that locks.
files=$( (find storage services -name '*.cc';
          grep -rl --include='*.cc' 'core/sync.h\|absl/synchronization/mutex.h\|absl::Mutex' \
            api core clients tests) | sort -u)
[ -n "$files" ] || { echo "thread-safety check: no files found" >&2; exit 1; }
failed=0
log=$(mktemp)
# Two at a time, like the rest of the build.
printf '%s\n' $files | xargs -P 2 -I{} sh -c '
  "$0" -std=c++20 -fsyntax-only -Wno-everything -Wthread-safety \
    -Werror=thread-safety \
    -DREGISTRYD_PATH=\"\" -DCOHORTGEN_PATH=\"\" -DTEST_DATA_DIR=\"\" \
    -I. -I"$1/gen" -isystem /usr/include/SQLiteCpp {} 2>>"$2" || echo "{}" >>"$2.failed"
' "$compiler" "$build_dir" "$log"
if [ -s "$log.failed" ]; then
  cat "$log" >&2
  echo "thread-safety check failed in: $(tr '\n' ' ' <"$log.failed")" >&2
  failed=1
fi
rm -f "$log" "$log.failed"
[ $failed -eq 0 ] && echo "thread-safety check: $(echo $files | wc -w) files clean"
exit $failed
