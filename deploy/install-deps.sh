#!/usr/bin/env bash
# Installs the Debian 12 packages the registry needs, when any is missing.
# Needs root (or sudo) only when it installs.
#
#   deploy/install-deps.sh               # to build and run the tests
#   deploy/install-deps.sh --build-only  # to build registryd, regctl and
#                                        # cohortgen only (the demo, a package)
set -euo pipefail

build=(
  cmake g++ make pkg-config dpkg-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libsqlitecpp-dev libsqlite3-dev libabsl-dev libssl-dev
  libcli11-dev nlohmann-json3-dev libsystemd-dev
)
# Tests: GoogleTest; clang for the fuzzers, the thread-safety build and the
# format check; sqlite3 and openssl for test fixtures; the Python client's
# gRPC, and pip and setuptools to install it as a package; R for the survival
# cross-checks.
testing=(
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev clang-format-14
  sqlite3 openssl
  python3-grpcio python3-pip python3-setuptools
  r-base-core r-cran-survival
)

packages=("${build[@]}")
case "${1:-}" in
  --build-only) ;;
  "") packages+=("${testing[@]}") ;;
  *) echo "usage: deploy/install-deps.sh [--build-only]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
