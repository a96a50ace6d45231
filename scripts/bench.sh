#!/usr/bin/env bash
# Builds the benchmark in Release (in ./build-release) and runs it.
# Arguments go to overtone_bench, e.g. --series 200 --samples 20000;
# see build-release/bench/overtone_bench --help.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release \
  -DOVERTONE_BUILD_BENCH=ON -DOVERTONE_BUILD_TESTS=OFF
cmake --build build-release --target overtone_bench -j"$(nproc)"
build-release/bench/overtone_bench "$@"
