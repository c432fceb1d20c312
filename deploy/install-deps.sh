#!/usr/bin/env bash
# Installs the Debian 12 packages the registry needs to build and test,
# when any is missing. Needs root (or sudo) only when it installs.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libsqlitecpp-dev libsqlite3-dev libabsl-dev libssl-dev
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev clang-format-14
  sqlite3 openssl
  python3-grpcio
  r-base-core r-cran-survival
)

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
