#!/usr/bin/env bash
# Installs the Debian packages faultline needs, only those that are missing.
# Runs as root on a fresh Debian bookworm machine (uses sudo when not root).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  redis-server
  libboost-dev libboost-filesystem-dev
  librocksdb-dev nlohmann-json3-dev libsimdjson-dev libxxhash-dev libcli11-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  libfaketime faketime redis-tools
  libssl-dev
  clang libclang-rt-dev
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing missing packages: ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
