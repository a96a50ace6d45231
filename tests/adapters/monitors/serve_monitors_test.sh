#!/usr/bin/env bash
# `overtone serve --monitors FILE --alertmanager URL` as a process:
#  1. a monitors file with a mistake stops serve from starting (exit 1) with
#     the file, line, monitor and reason; so does a bad --alertmanager URL;
#  2. a good file: the monitors run on their schedule, the `monitors` table
#     answers through /api/v1/sql, the samples a monitor writes are
#     queryable by PromQL, a failing monitor is counted and the server stays
#     up; /metrics has the monitor and Alertmanager sender counters, and
#     /api/v1/status/flags the new flags;
#  3. SIGTERM stops it cleanly.
#
#   serve_monitors_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
source "$(dirname "$0")/../../support/peers.sh"

# 1. Load errors stop serve before it listens.
cat >"$WORK/bad.yml" <<'YAML'
monitors:
  - name: fine
    every: 1m
    sql: SELECT 1
    output: samples
  - name: broken
    every: often
    sql: SELECT 1
    output: samples
YAML
if "$OVERTONE" serve "$WORK/db" --listen 127.0.0.1:0 --monitors "$WORK/bad.yml" 2>"$WORK/err.log"; then
  fail "serve started with a bad monitors file"
else
  RC=$?
fi
[ "$RC" -eq 1 ] || fail "a bad monitors file should exit 1, not $RC"
grep -qF "$WORK/bad.yml:7: monitor 1 (broken): \`every\`:" "$WORK/err.log" || fail "load error: $(cat "$WORK/err.log")"
if "$OVERTONE" serve "$WORK/db" --listen 127.0.0.1:0 --alertmanager ftp://am:9093 2>"$WORK/err.log"; then
  fail "serve started with a bad --alertmanager URL"
fi
grep -qF "Alertmanager URL ftp://am:9093: URL must start with http://" "$WORK/err.log" || fail "bad URL error: $(cat "$WORK/err.log")"

# A monitor that writes samples has no place on a read-only server.
cat >"$WORK/writes.yml" <<'YAML'
monitors:
  - name: writer
    every: 1m
    sql: SELECT 'm' AS metric, 1 AS value
    output: samples
YAML
if "$OVERTONE" serve "$WORK/db" --listen 127.0.0.1:0 --read-only --monitors "$WORK/writes.yml" 2>"$WORK/err.log"; then
  fail "serve --read-only started with a monitor that writes samples"
fi
grep -qF "monitor writer writes samples, and the server is --read-only" "$WORK/err.log" ||
  fail "read-only error: $(cat "$WORK/err.log")"

# 2. A good file.
cat >"$WORK/monitors.yml" <<'YAML'
monitors:
  - name: series_count
    every: 200ms
    sql: SELECT 'overtone_series_count' AS metric, count(*) AS value, 'monitor' AS source FROM series
    output: samples
  - name: broken
    every: 200ms
    sql: SELECT x FROM nowhere
    output: samples
YAML
start_overtone db --monitors "$WORK/monitors.yml" \
  --alertmanager http://127.0.0.1:9 --alertmanager http://127.0.0.1:10/prefix
PORT=$OT_PORT

SQL="query=$(urlencode "SELECT name, runs > 1, failures > 0, last_error FROM monitors ORDER BY name")"
for _ in $(seq 100); do
  ROWS=$(http_form "$PORT" /api/v1/sql "$SQL")
  echo "$ROWS" | has -F '["series_count",1,0,null]' && break
  sleep 0.1
done
echo "$ROWS" | has -F '["series_count",1,0,null]' || fail "monitors table: $ROWS"
echo "$ROWS" | has -F '["broken",1,1,"no such table: nowhere"]' || fail "monitors table: $ROWS"

RESULT=$(http_get "$PORT" "/api/v1/query?query=$(urlencode 'overtone_series_count{source="monitor"}')")
echo "$RESULT" | has -F '"__name__":"overtone_series_count"' || fail "PromQL does not see the monitor's samples: $RESULT"

METRICS=$(http_get "$PORT" /metrics)
echo "$METRICS" | has '^overtone_monitor_runs_total{monitor="series_count"} [1-9]' ||
  fail "/metrics: no monitor runs in $(echo "$METRICS" | wc -c) bytes: $(echo "$METRICS" | grep '^overtone_monitor_runs_total' | head -3)"
echo "$METRICS" | has '^overtone_monitor_failures_total{monitor="broken"} [1-9]' || fail "/metrics: no failures"
echo "$METRICS" | has -F 'prometheus_notifications_alertmanagers_discovered 2' || fail "/metrics: no senders"
echo "$METRICS" | has -F 'prometheus_notifications_sent_total{alertmanager="http://127.0.0.1:10/prefix"} 0' ||
  fail "/metrics: no per-Alertmanager counters"
FLAGS=$(http_get "$PORT" /api/v1/status/flags)
for want in "\"monitors\":\"$WORK/monitors.yml\"" '"alertmanager":"http://127.0.0.1:9,http://127.0.0.1:10/prefix"'; do
  echo "$FLAGS" | has -F "$want" || fail "/api/v1/status/flags lacks $want: $FLAGS"
done

# 3. A clean stop.
stop_wait "$OT_PID" && RC=0 || RC=$?
[ "$RC" -ne 124 ] || fail "serve did not stop within 30 s of SIGTERM"
[ "$RC" -eq 0 ] || fail "serve exited $RC after SIGTERM"
echo "PASS"
