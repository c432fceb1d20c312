#!/usr/bin/env bash
# Builds the Debian package from this build (cpack) and checks what it
# holds: the three programs, the systemd unit (whose ExecStart names a
# program of the package), the documents, and dependencies on the shared
# libraries they link.
#   tests/package_check.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?build dir}
cd "$build_dir"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1 || { cat "$out/cpack.log" >&2; exit 1; }
deb=$(ls "$out"/hsct-registry_*.deb)
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
failed=0
for path in ./usr/bin/registryd ./usr/bin/regctl ./usr/bin/cohortgen \
    ./usr/lib/systemd/system/registryd.service \
    ./usr/lib/systemd/system/registry-metrics.service \
    ./usr/lib/systemd/system/registry-metrics.timer \
    ./usr/share/doc/hsct-registry/registryd.env.example \
    ./usr/share/doc/hsct-registry/docs/operations.md; do
  grep -qx "$path" <<<"$contents" || { echo "package check: $path missing" >&2; failed=1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for library in libgrpc++ libprotobuf libsqlite3 libssl libabsl; do
  grep -q "$library" <<<"$depends" || { echo "package check: no dependency on $library ($depends)" >&2; failed=1; }
done
mkdir "$out/root"
dpkg-deb -x "$deb" "$out/root"
exec_start=$(grep -o '^ExecStart=[^ ]*' "$out/root/usr/lib/systemd/system/registryd.service" | cut -d= -f2)
[ -x "$out/root$exec_start" ] || { echo "package check: the unit starts $exec_start, not in the package" >&2; failed=1; }
"$out/root/usr/bin/registryd" --version >/dev/null || failed=1
[ $failed -eq 0 ] && echo "package check: $(basename "$deb") holds what it should"
exit $failed
