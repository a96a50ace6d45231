#!/usr/bin/env bash
# Builds the storage, engine and SQL test suites with AddressSanitizer and
# UndefinedBehaviorSanitizer into ./build-asan and runs them; any report
# fails the run.
#
#   bash scripts/sanitize.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
BUILD_DIR="${BUILD_DIR:-build-asan}"
FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug -DOVERTONE_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
tests=(storage/storage_test storage/codec_test engine/engine_test sql/sql_test)
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${tests[@]##*/}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for t in "${tests[@]}"; do
  echo "== $t"
  "$BUILD_DIR/tests/$t" --gtest_brief=1
done
