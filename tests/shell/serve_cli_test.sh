#!/usr/bin/env bash
# `overtone serve` as a process: start on a free loopback port, take remote
# writes from `overtone emulate --remote-write`, answer /health and
# /metrics, stop cleanly on SIGTERM (exit 0), and leave the samples in the
# database for `overtone DBDIR "SELECT ..."`.
#
#   serve_cli_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
source "$(dirname "$0")/../support/peers.sh"

start_overtone db --memory-limit 64MiB
PORT=$OT_PORT

http_get "$PORT" /health | has '^OK' || fail "/health"
http_get "$PORT" /-/healthy | has '^overtone is Healthy.' || fail "/-/healthy"
# /api/v1/status/flags: the parsed flags (sizes in bytes), defaults, flags off.
FLAGS=$(http_get "$PORT" /api/v1/status/flags)
for want in '"listen":"127.0.0.1:0"' '"memory-limit":"67108864"' '"max-request-bytes":"33554432"' \
            '"read-only":"false"' '"threads":""' "\"DBDIR\":\"$WORK/db\""; do
  echo "$FLAGS" | has -F "$want" || fail "/api/v1/status/flags lacks $want: $FLAGS"
done
timeout 120 "$OVERTONE" emulate --hosts 3 --duration 10m --interval 15s --seed 7 -q \
  --remote-write "http://127.0.0.1:$PORT/api/v1/write" || fail "emulate --remote-write"
METRICS=$(http_get "$PORT" /metrics)
INGESTED=$(echo "$METRICS" | awk '/^overtone_samples_ingested_total /{print $2}')
[ "${INGESTED:-0}" -gt 0 ] || fail "no samples ingested: $INGESTED"
echo "$METRICS" | has 'overtone_request_memory_budget_bytes 16777216' ||
  fail "--memory-limit 64MiB should give a 16 MiB request budget"

stop_wait "$OT_PID" && RC=0 || RC=$?
[ "$RC" -ne 124 ] || fail "serve did not stop within 30 s of SIGTERM"
[ "$RC" -eq 0 ] || fail "serve exited $RC after SIGTERM"
grep -q 'stopped' "$WORK/db.log" || fail "no clean stop in the log"

COUNT=$("$OVERTONE" "$WORK/db" "SELECT count(*) FROM samples" | tail -1 | tr -dc '0-9')
[ "$COUNT" = "$INGESTED" ] || fail "SQL sees $COUNT samples, serve ingested $INGESTED"
# --read-only: remote write is refused with 403, reading still answers.
start_overtone db --read-only
PORT=$OT_PORT
http_get "$PORT" /health | has '^OK' || fail "/health on a read-only server"
if timeout 60 "$OVERTONE" emulate --hosts 1 --duration 1m --interval 15s --seed 7 -q \
    --remote-write "http://127.0.0.1:$PORT/api/v1/write" 2>"$WORK/emulate.log"; then
  fail "remote write to a read-only server succeeded"
fi
grep -q '403' "$WORK/emulate.log" || fail "a read-only server should answer 403: $(cat "$WORK/emulate.log")"
stop_wait "$OT_PID" || true
COUNT2=$("$OVERTONE" "$WORK/db" "SELECT count(*) FROM samples" | tail -1 | tr -dc '0-9')
[ "$COUNT2" = "$COUNT" ] || fail "a read-only server wrote: $COUNT2 samples, was $COUNT"

echo "serve_cli_test: $INGESTED samples written over HTTP, all visible to SQL after SIGTERM; --read-only refuses writes"
