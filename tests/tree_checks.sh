#!/usr/bin/env bash
# Checks of the source tree itself: the layering (clients/ never includes
# services/), file sizes in the layers that grow, one clang-format style
# applied everywhere.
#   tests/tree_checks.sh [source dir]
set -uo pipefail
cd "${1:-$(dirname "$0")/..}"
failed=0

sources() {
  find api clients core services storage tests benchmarks fuzz \
    -name '*.cc' -o -name '*.h' | sort
}

# The client is built from core/ and api/ only: what it knows of the server
# is the wire.
if grep -n '#include "services/' $(find clients -name '*.cc' -o -name '*.h'); then
  echo "tree check: clients/ includes services/ (above); move what they share to api/ or core/" >&2
  failed=1
fi
# Neither the core nor the mapping layer reaches up.
if grep -n '#include "\(services\|storage\|clients\)/' $(find core api -name '*.cc' -o -name '*.h'); then
  echo "tree check: core/ or api/ includes a layer above it (above)" >&2
  failed=1
fi

# Files small enough to read in one sitting where they tend to grow.
for file in $(find storage services clients/regctl -name '*.cc' -o -name '*.h'); do
  lines=$(wc -l <"$file")
  if [ "$lines" -gt 650 ]; then
    echo "tree check: $file has $lines lines (at most about 600: split it by responsibility)" >&2
    failed=1
  fi
done

format=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$format" ]; then
  echo "tree check: clang-format-14 is not installed (deploy/install-deps.sh installs it)" >&2
  failed=1
elif ! "$format" --dry-run -Werror $(sources) 2>/tmp/tree_checks_format.$$; then
  grep 'clang-format-violations' /tmp/tree_checks_format.$$ | cut -d: -f1 | sort -u |
    sed 's/^/not formatted (clang-format -i): /' >&2
  failed=1
fi
rm -f /tmp/tree_checks_format.$$
exit $failed
