#!/usr/bin/env bash
# Builds the concurrency stress test (tests/sql/concurrency_stress_test.cc)
# with ThreadSanitizer, the `tsan` preset, into ./build-tsan and runs it:
# writers, readers, SQL connections, deletions and compaction on one
# database at once. Any data race or lock-order inversion TSan reports
# fails the run (exit status 66), as does a failed check of the test.
# Then the raw samples' memtable representation's tests of readers beside
# its writer (tests/storage/sample_memtable_rep*_test.cc), and remote
# reads beside the chunk cache's warm-up after open
# (tests/engine/xor_chunk_warmup_test.cc).
#
#   bash scripts/tsan.sh
#
# OVERTONE_STRESS_SCALE scales the test's work (default 0.5 under TSan).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
# RocksDB's shared library rather than the static one: TSan then knows which
# memory accesses are the uninstrumented library's own (tests/tsan.supp).
cmake --preset tsan -DOVERTONE_ROCKSDB_SHARED=ON
cmake --build build-tsan -j2 --target sql_concurrency_stress_test storage_test xor_chunk_warmup_test
# history_size=7: the longest access history per thread, so that both
# stacks of a report can be shown (and matched against the suppressions).
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=7 suppressions=$PWD/tests/tsan.supp ${TSAN_OPTIONS:-}"
build-tsan/tests/sql/sql_concurrency_stress_test
# The raw samples' memtable representation: readers beside its writer.
build-tsan/tests/storage/storage_test --gtest_filter='SampleMemTableRep*Readers*'
# Reads while the warm-up after open builds the same segments' chunks.
build-tsan/tests/engine/xor_chunk_warmup_test --gtest_filter='*ReadsWhileItRuns*'
