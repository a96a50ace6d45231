#!/usr/bin/env bash
# `overtone serve` stops long queries: the endless recursive CTE on
# /api/v1/sql stops within a second of its client disconnecting (the
# running-queries gauge on /metrics drops to 0), and SIGTERM while it runs
# makes the server answer it and exit 0 within a few seconds.
#
#   serve_cancel_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
source "$(dirname "$0")/../support/peers.sh"

start_overtone db
PORT=$OT_PORT

BODY='query=WITH%20RECURSIVE%20c(x)%20AS%20(SELECT%201%20UNION%20ALL%20SELECT%20x%2B1%20FROM%20c)%20SELECT%20count(*)%20FROM%20c'
send_endless() {  # opens fd 3 and sends the endless query on it
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  printf 'POST /api/v1/sql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "${#BODY}" "$BODY" >&3
  for _ in $(seq 100); do [ "$(metric "$PORT" overtone_queries_running)" = 1 ] && return 0; sleep 0.05; done
  fail "the query never ran"
}

# The client goes away: the query stops within a second.
send_endless
exec 3<&-
T0=$(now_ms)
while [ "$(metric "$PORT" overtone_queries_running)" != 0 ]; do
  [ $(( $(now_ms) - T0 )) -lt 5000 ] || fail "the query still runs 5 s after its client left"
  sleep 0.02
done
STOPPED_MS=$(( $(now_ms) - T0 ))
[ "$STOPPED_MS" -lt 1000 ] || fail "the query stopped ${STOPPED_MS} ms after its client left (want < 1 s)"
[ "$(metric "$PORT" 'overtone_queries_cancelled_total{reason="client_gone"}')" = 1 ] || fail "client_gone not counted"

# SIGTERM while a query runs: answered, and the server exits 0 within a few seconds.
send_endless
T0=$(now_ms)
kill -TERM "$OT_PID"
wait "$OT_PID" && RC=0 || RC=$?
forget "$OT_PID"
EXIT_MS=$(( $(now_ms) - T0 ))
[ "$RC" -eq 0 ] || fail "serve exited $RC after SIGTERM"
[ "$EXIT_MS" -lt 5000 ] || fail "serve took ${EXIT_MS} ms to stop with a query running (want < 5 s)"
ANSWER=$(timeout 5 cat <&3 || true)
exec 3<&-
echo "$ANSWER" | has 'query cancelled: the server is stopping' || fail "the running query's answer: $ANSWER"
echo "serve_cancel: query stopped ${STOPPED_MS} ms after its client left; SIGTERM exit in ${EXIT_MS} ms"
