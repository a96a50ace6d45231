#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with the asan preset and runs each
# for a while, starting from a scratch copy of its seed corpus; the repo's
# corpus is never written. Crashes, leaks and timeouts land in
# build-asan/fuzz-artifacts/<target>/; any of them fails the run.
#
#   bash scripts/fuzz.sh                 # every target, 60 s each
#   bash scripts/fuzz.sh 300             # 300 s each
#   FUZZ_SECONDS=10 bash scripts/fuzz.sh # the same through the environment
#   bash scripts/fuzz.sh 120 segment summary   # only these targets
#
# Replaying one input: build-asan/fuzz/fuzz_<target> <file>
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ALL_TARGETS=(xor_chunk timestamp_codec timestamp_column flac_values segment summary
             remote_write_v1 remote_write_v2 remote_read
             promql_parser openmetrics_line csv_line)

seconds="${FUZZ_SECONDS:-60}"
if [ $# -gt 0 ]; then
  seconds="$1"
  shift
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "fuzz: seconds must be a positive integer, got '$seconds'" >&2
  exit 2
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
  if [ ! -d "fuzz/corpus/$t" ]; then
    echo "fuzz: unknown target '$t' (known: ${ALL_TARGETS[*]})" >&2
    exit 2
  fi
done

bash scripts/setup.sh
BUILD_DIR=build-asan  # the asan preset's binaryDir
cmake --preset asan >/dev/null
cmake --build "$BUILD_DIR" -j"${FUZZ_BUILD_JOBS:-2}" --target "${targets[@]/#/fuzz_}"

work="$BUILD_DIR/fuzz-run"
artifacts="$BUILD_DIR/fuzz-artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=0
rows=()
for t in "${targets[@]}"; do
  dir="$work/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/tmp" "$artifacts/$t"
  cp fuzz/corpus/"$t"/* "$dir/corpus/"
  args=("$dir/corpus" "-max_total_time=$seconds" -print_final_stats=1 -timeout=25
        -rss_limit_mb=2048 "-artifact_prefix=$artifacts/$t/")
  [ -f "fuzz/dict/$t.dict" ] && args+=("-dict=fuzz/dict/$t.dict")
  echo "fuzz: $t for ${seconds}s"
  rc=0
  # TMPDIR: the targets' databases go there, inside the build tree.
  TMPDIR="$PWD/$dir/tmp" "$BUILD_DIR/fuzz/fuzz_$t" "${args[@]}" >"$dir/log" 2>&1 || rc=$?

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    failed=1
    result=$(grep -oE 'ERROR: libFuzzer: [a-z-]+|SUMMARY: [A-Za-z]+Sanitizer: [a-z-]+|fuzz check failed' \
             "$dir/log" | head -1 | sed 's/^ERROR: libFuzzer: //; s/^SUMMARY: //')
    result="FAILED (${result:-exit $rc}); see $dir/log"
    echo "fuzz: $t failed; the end of its log:" >&2
    tail -40 "$dir/log" >&2
  fi
  rows+=("$(printf '%-18s %12s %10s  %s' "$t" "${execs:-?}" "${rate:-?}" "$result")")
done

echo
printf '%-18s %12s %10s  %s\n' target executions exec/s result
for r in "${rows[@]}"; do echo "$r"; done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: inputs that failed are in $artifacts/<target>/; replay with $BUILD_DIR/fuzz/fuzz_<target> <file>" >&2
  exit 1
fi
