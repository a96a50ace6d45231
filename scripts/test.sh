#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. the CTest suite on the RelWithDebInfo build (./build), the short
#      crash test and the concurrency stress test included;
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#      (scripts/sanitize.sh, ./build-asan);
#   3. every libFuzzer target for FUZZ_SECONDS seconds (default 10) on its
#      seed corpus (scripts/fuzz.sh, same build);
#   4. the concurrency stress test under ThreadSanitizer (scripts/tsan.sh,
#      ./build-tsan).
# SANITIZERS=0 stops after step 1. BUILD_DIR (default build) and BUILD_TYPE
# as for build.sh; CTEST_TIMEOUT (seconds) bounds each test that sets no
# timeout of its own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stage() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

stage "tests"
bash scripts/setup.sh
bash scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2 \
  --timeout "${CTEST_TIMEOUT:-600}" --no-tests=error

if [ "${SANITIZERS:-1}" != 0 ]; then
  stage "tests under ASan + UBSan"
  bash scripts/sanitize.sh
  stage "fuzzing, ${FUZZ_SECONDS:-10} s per target"
  FUZZ_SECONDS="${FUZZ_SECONDS:-10}" bash scripts/fuzz.sh
  stage "concurrency stress test under TSan"
  bash scripts/tsan.sh
fi
stage "all passed"
