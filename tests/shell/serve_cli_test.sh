#!/usr/bin/env bash
# `overtone serve` as a process: start on a free loopback port, take remote
# writes from `overtone emulate --remote-write`, answer /health and
# /metrics, stop cleanly on SIGTERM (exit 0), and leave the samples in the
# database for `overtone DBDIR "SELECT ..."`.
#
#   serve_cli_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
WORK=$(mktemp -d)
SERVE_PID=
cleanup() {
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -KILL "$SERVE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- serve log:" >&2; cat "$WORK/serve.log" >&2 || true; exit 1; }

# A plain HTTP GET with bash's /dev/tcp, so the test needs no curl.
http_get() {  # PORT PATH -> response on stdout
  local port=$1 path=$2
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
  timeout 10 cat <&3
  exec 3<&-
}

"$OVERTONE" serve "$WORK/db" --listen 127.0.0.1:0 --port-file "$WORK/port" \
  --memory-limit 64MiB 2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || fail "serve did not write its port file"
PORT=$(cat "$WORK/port")

http_get "$PORT" /health | grep -q '^OK' || fail "/health"
http_get "$PORT" /-/healthy | grep -q '^overtone is Healthy.' || fail "/-/healthy"
# /api/v1/status/flags: the parsed flags (sizes in bytes), defaults, flags off.
FLAGS=$(http_get "$PORT" /api/v1/status/flags)
for want in '"listen":"127.0.0.1:0"' '"memory-limit":"67108864"' '"max-request-bytes":"33554432"' \
            '"read-only":"false"' '"threads":""' "\"DBDIR\":\"$WORK/db\""; do
  echo "$FLAGS" | grep -qF "$want" || fail "/api/v1/status/flags lacks $want: $FLAGS"
done
timeout 120 "$OVERTONE" emulate --hosts 3 --duration 10m --interval 15s --seed 7 -q \
  --remote-write "http://127.0.0.1:$PORT/api/v1/write" || fail "emulate --remote-write"
METRICS=$(http_get "$PORT" /metrics)
INGESTED=$(echo "$METRICS" | awk '/^overtone_samples_ingested_total /{print $2}')
[ "${INGESTED:-0}" -gt 0 ] || fail "no samples ingested: $INGESTED"
echo "$METRICS" | grep -q 'overtone_request_memory_budget_bytes 16777216' ||
  fail "--memory-limit 64MiB should give a 16 MiB request budget"

kill -TERM "$SERVE_PID"
for _ in $(seq 300); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SERVE_PID" 2>/dev/null && fail "serve did not stop within 30 s of SIGTERM"
wait "$SERVE_PID" && RC=0 || RC=$?
SERVE_PID=
[ "$RC" -eq 0 ] || fail "serve exited $RC after SIGTERM"
grep -q 'stopped' "$WORK/serve.log" || fail "no clean stop in the log"

COUNT=$("$OVERTONE" "$WORK/db" "SELECT count(*) FROM samples" | tail -1 | tr -dc '0-9')
[ "$COUNT" = "$INGESTED" ] || fail "SQL sees $COUNT samples, serve ingested $INGESTED"
# --read-only: remote write is refused with 403, reading still answers.
"$OVERTONE" serve "$WORK/db" --listen 127.0.0.1:0 --port-file "$WORK/port2" --read-only \
  2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do [ -s "$WORK/port2" ] && break; sleep 0.1; done
[ -s "$WORK/port2" ] || fail "serve --read-only did not write its port file"
PORT=$(cat "$WORK/port2")
http_get "$PORT" /health | grep -q '^OK' || fail "/health on a read-only server"
if timeout 60 "$OVERTONE" emulate --hosts 1 --duration 1m --interval 15s --seed 7 -q \
    --remote-write "http://127.0.0.1:$PORT/api/v1/write" 2>"$WORK/emulate.log"; then
  fail "remote write to a read-only server succeeded"
fi
grep -q '403' "$WORK/emulate.log" || fail "a read-only server should answer 403: $(cat "$WORK/emulate.log")"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || true
SERVE_PID=
COUNT2=$("$OVERTONE" "$WORK/db" "SELECT count(*) FROM samples" | tail -1 | tr -dc '0-9')
[ "$COUNT2" = "$COUNT" ] || fail "a read-only server wrote: $COUNT2 samples, was $COUNT"

echo "serve_cli_test: $INGESTED samples written over HTTP, all visible to SQL after SIGTERM; --read-only refuses writes"
