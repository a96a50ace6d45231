#!/usr/bin/env bash
# Migration from a real Prometheus (Debian's 2.42) over remote read:
#  1. `overtone emulate` writes a small fleet as OpenMetrics; `promtool tsdb
#     create-blocks-from openmetrics` backfills it into a fresh TSDB, and
#     Prometheus serves that TSDB on a free loopback port;
#  2. `overtone import --from-remote-read` pulls everything, once with
#     streamed XOR chunks (what 2.42 answers first) and once with
#     --samples-only, and the file itself is imported into a third database;
#  3. the three databases must hold the same series and samples: their
#     exports are byte for byte equal, --portable and lossless (overtone reads
#     the text "NaN" as Prometheus's NaN, 0x7ff8000000000001);
#  4. a selector and a sub-range, cut into 20-minute slices, give exactly the
#     samples `overtone export` selects from the file's database;
#  5. `overtone emulate --remote-write` into a fresh Prometheus's remote-write
#     receiver, read back over remote read, equals the same emulation as a
#     file (recent timestamps: Prometheus's head refuses old ones).
# Every process is killed and the work directory removed on any exit. Exits
# 77 (skipped) only when prometheus or promtool is not installed.
#
#   remote_read_migration_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
if [ -z "$PROMETHEUS" ] || [ -z "$PROMTOOL" ]; then
  echo "SKIP: prometheus/promtool not installed (apt-get install prometheus; scripts/setup.sh does)"
  exit 77
fi

WORK=$(mktemp -d)
PROM_PID=""
cleanup() {
  if [ -n "$PROM_PID" ]; then kill -KILL "$PROM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -20 "$log" >&2; }; done
  exit 1
}
step() { echo "== $*"; }

ready() {  # PORT: Prometheus answers /-/ready (bash /dev/tcp: no curl needed)
  local body
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /-/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  body=$(timeout 5 cat <&3 || true)
  exec 3<&-
  [[ $body == *"Ready"* ]]
}

start_prometheus() {  # DATA_DIR [FLAG...] -> PROM_PORT; retried if the port was taken
  local data=$1
  shift
  printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prometheus.yml"
  for _ in 1 2 3 4 5; do
    PROM_PORT=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$PROM_PORT") 2>/dev/null && continue  # in use
    "$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$data" \
      --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn "$@" \
      >"$WORK/prometheus.log" 2>&1 &
    PROM_PID=$!
    disown "$PROM_PID"
    for _ in $(seq 150); do
      ready "$PROM_PORT" && return 0
      kill -0 "$PROM_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$PROM_PID" 2>/dev/null || true
    PROM_PID=""
  done
  fail "prometheus did not become ready"
}

ot() { timeout 120 "$OVERTONE" "$@"; }

step "emulate and backfill"
ot emulate --hosts 5 --duration 3h --end 2024-05-01T00:00:00Z --seed 5 \
  --out "$WORK/fleet.om" 2>"$WORK/emulate.log" || fail "emulate"
expected=$(sed -n 's/^emulated \([0-9]*\) samples of 85 series.*/\1/p' "$WORK/emulate.log")
[ -n "$expected" ] || fail "emulate summary: $(cat "$WORK/emulate.log")"
mkdir "$WORK/tsdb"
timeout 120 "$PROMTOOL" tsdb create-blocks-from openmetrics "$WORK/fleet.om" "$WORK/tsdb" \
  >"$WORK/promtool.log" 2>&1 || fail "promtool create-blocks-from openmetrics"
start_prometheus "$WORK/tsdb"
URL="http://127.0.0.1:$PROM_PORT/api/v1/read"
echo "prometheus on 127.0.0.1:$PROM_PORT"

step "import over remote read (streamed chunks, then samples) and from the file"
ALL='{__name__=~".+"}'
for mode in streamed samples; do
  extra=()
  [ "$mode" = samples ] && extra=(--samples-only)
  ot import "$WORK/db_$mode" --from-remote-read "$URL" --match "$ALL" \
    --start 2024-04-30T00:00:00Z --end 2024-05-02T00:00:00Z "${extra[@]}" \
    2>"$WORK/import_$mode.log" || fail "import --from-remote-read ($mode)"
  grep -q "^imported $expected samples of 85 series from $URL" "$WORK/import_$mode.log" ||
    fail "$mode summary: $(cat "$WORK/import_$mode.log")"
done
ot import "$WORK/db_file" "$WORK/fleet.om" 2>"$WORK/import_file.log" || fail "import file"

step "the three databases agree"
for db in streamed samples file; do
  ot export "$WORK/db_$db" --match "$ALL" --portable --out "$WORK/$db.om" 2>/dev/null ||
    fail "export $db"
done
cmp "$WORK/file.om" "$WORK/streamed.om" || fail "streamed remote read differs from the file"
cmp "$WORK/file.om" "$WORK/samples.om" || fail "samples remote read differs from the file"
[ "$(grep -c ' NaN ' "$WORK/file.om")" -gt 0 ] || echo "note: no NaN in this fleet"
# Lossless exports agree bit for bit too: "NaN" means Prometheus's NaN in both.
ot export "$WORK/db_streamed" --match "$ALL" --out "$WORK/streamed_lossless.om"
ot export "$WORK/db_file" --match "$ALL" --out "$WORK/file_lossless.om"
cmp "$WORK/file_lossless.om" "$WORK/streamed_lossless.om" || fail "lossless exports differ"

step "a selector and a sub-range in 20-minute slices"
SEL='cpu_usage_percent{role="web"}'
ot import "$WORK/db_part" --from-remote-read "$URL" --match "$SEL" \
  --start 2024-04-30T22:10:00Z --end 2024-04-30T23:20:00.5Z --slice 20m \
  2>"$WORK/import_part.log" || fail "partial import"
ot export "$WORK/db_part" --match "$ALL" --out "$WORK/part.om"
ot export "$WORK/db_file" --match "$SEL" --start 2024-04-30T22:10:00Z \
  --end 2024-04-30T23:20:00.5Z --out "$WORK/part_expected.om"
[ "$(wc -l <"$WORK/part.om")" -gt 100 ] || fail "partial import too small"
cmp "$WORK/part_expected.om" "$WORK/part.om" || fail "partial import differs"

step "emulate --remote-write into prometheus, read it back"
kill -KILL "$PROM_PID"
PROM_PID=""
start_prometheus "$WORK/tsdb_rw" --web.enable-remote-write-receiver
END=$(($(date +%s) - 60))
ot emulate --hosts 4 --duration 1h --end "$END" --seed 9 \
  --remote-write "http://127.0.0.1:$PROM_PORT/api/v1/write" 2>"$WORK/emulate_rw.log" ||
  fail "emulate --remote-write"
ot emulate --hosts 4 --duration 1h --end "$END" --seed 9 --out "$WORK/rw.om" 2>/dev/null
ot import "$WORK/db_rw" --from-remote-read "http://127.0.0.1:$PROM_PORT/api/v1/read" \
  --match "$ALL" --start "$((END - 7200))" --end "$((END + 60))" 2>"$WORK/import_rw.log" ||
  fail "read back"
ot import "$WORK/db_rw_file" "$WORK/rw.om" 2>/dev/null
ot export "$WORK/db_rw" --match "$ALL" --portable --out "$WORK/rw_read.om"
ot export "$WORK/db_rw_file" --match "$ALL" --portable --out "$WORK/rw_file.om"
[ "$(wc -l <"$WORK/rw_file.om")" -gt 6000 ] || fail "remote-write emulation too small"
cmp "$WORK/rw_file.om" "$WORK/rw_read.om" || fail "remote-written samples differ"

echo "PASS: remote-read migration of $expected samples from prometheus, emulate --remote-write"
