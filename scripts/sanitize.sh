#!/usr/bin/env bash
# Builds everything with Clang, AddressSanitizer and UndefinedBehaviorSanitizer
# (CMake preset "asan", into ./build-asan; the libFuzzer targets come with it)
# and runs the whole CTest suite under them, the crash test and the PromQL
# conformance suite included. Any sanitizer report fails the run. Only the
# install test is left out: it builds a second project, which the sanitizer
# flags have nothing to find in.
#
#   bash scripts/sanitize.sh [extra ctest arguments, e.g. -R engine]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset asan >/dev/null
cmake --build build-asan -j"$(nproc)"
# abort_on_error: a report kills the test, so CTest sees it fail.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ctest --test-dir build-asan --output-on-failure -j2 --timeout 900 --no-tests=error -LE install "$@"
