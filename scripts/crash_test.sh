#!/usr/bin/env bash
# The long crash test: builds crash_driver and crash_worker (in ./build, or
# BUILD_DIR) and runs CYCLES kill/reopen/check cycles (default 60). CTest's
# crash.short runs 10. Pass a seed printed by an earlier run to replay it:
#
#   bash scripts/crash_test.sh [CYCLES] [SEED]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${BUILD_DIR:-build}"
cycles="${1:-60}"
seed_args=()
[ $# -ge 2 ] && seed_args=(--seed "$2")

bash scripts/setup.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target crash_driver crash_worker
"$build_dir/tests/crash/crash_driver" --cycles "$cycles" "${seed_args[@]}"
