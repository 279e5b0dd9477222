#!/usr/bin/env bash
# Installs the Debian 12 packages Cadenza needs to build and test, only those missing.
# Uses sudo only when not root.
set -euo pipefail

packages=(
  g++ meson ninja-build pkg-config
  libevent-dev libexpat1-dev libpugixml-dev liblua5.4-dev libsqlite3-dev libssl-dev
  libgtest-dev openssl libidn-dev libgsasl-dev libstrophe-dev nlohmann-json3-dev
  clang libclang-rt-14-dev
)

# Node.js runs the npm `eventsource` package in one integration test. Keep an existing
# installation (it may not come from Debian's own archive).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
