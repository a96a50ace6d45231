#!/usr/bin/env bash
# Configures and builds overtone in ./build (RelWithDebInfo).
# Extra arguments go to the configure step, e.g. -DOVERTONE_BUILD_BENCH=OFF.
# BUILD_DIR and BUILD_TYPE override the defaults.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${BUILD_DIR:-build}"
build_type="${BUILD_TYPE:-RelWithDebInfo}"

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" "$@"
cmake --build "$build_dir" -j"$(nproc)"
