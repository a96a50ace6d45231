#!/usr/bin/env bash
# Installs the Debian 12 packages overtone builds and tests with.
# Idempotent: asks dpkg what is already there and installs only what is
# missing (running apt-get update first, and only then). Runs as root, or
# through sudo when not root.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  librocksdb-dev libsqlite3-dev sqlite3
  libflac++-dev libflac-dev
  libcpp-httplib-dev libprotobuf-dev protobuf-compiler libsnappy-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libre2-dev libedit-dev nlohmann-json3-dev libcli11-dev
  libxxhash-dev libzstd-dev libyaml-cpp-dev
  clang-14 libclang-rt-14-dev clang-format lld
  prometheus prometheus-alertmanager
  nodejs chromium chromium-driver
)
# nodejs and npm install the web console's chart library at build time
# (scripts/web_deps.sh); chromium and its driver run its browser test. npm is Debian's
# package unless an npm is already there:
# NodeSource's nodejs carries its own and conflicts with Debian's npm.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup: missing packages: ${missing[*]}" >&2
    echo "setup: not root and no sudo; install them as root" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
# Packages such as prometheus start a system service on install (and would
# bind port 9090). Tests run their own instances on free loopback ports, so
# deny service starts during the install unless a policy is already there.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$POLICY" >/dev/null
  "${as_root[@]}" chmod 755 "$POLICY"
  trap '"${as_root[@]}" rm -f "$POLICY"' EXIT
fi
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
