#!/usr/bin/env bash
# `overtone serve` makes remote read's XOR chunks ready again after a
# restart: a sealed database that remote reads never asked for chunks
# builds nothing at start; once `overtone import --from-remote-read` has
# read it as streamed chunks, a restarted server builds every segment's
# chunks in the background (overtone_xor_chunk_cache_warm_segments), the
# same read is then answered from them alone (hits, no misses), and it
# imports exactly what the first read did.
#
#   serve_warm_chunks_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
source "$(dirname "$0")/../support/peers.sh"

ot() { "$OVERTONE" "$@"; }
ALL='{__name__=~".+"}'

# 3 hosts × 12 h, sealed: two six-hour segments a series.
ot emulate --hosts 3 --duration 12h --end 2024-05-01T00:00:00Z --seed 7 --out "$WORK/fleet.om" \
  2>"$WORK/emulate.log" || fail "emulate"
ot import "$WORK/db" "$WORK/fleet.om" 2>"$WORK/import.log" || fail "import"
ot compact "$WORK/db" >"$WORK/compact.log" 2>&1 || fail "compact"

read_back() {  # DB: everything, over remote read from the server on $OT_PORT
  ot import "$WORK/$1" --from-remote-read "http://127.0.0.1:$OT_PORT/api/v1/read" --match "$ALL" \
    --start 2024-04-30T00:00:00Z --end 2024-05-02T00:00:00Z 2>"$WORK/read_$1.log" || fail "read back into $1"
}
warmed_up() {  # waits (20 s at most) until the warm-up after start is over
  for _ in $(seq 200); do
    [ "$(metric "$OT_PORT" overtone_xor_chunk_cache_warming)" = 0 ] && return 0
    sleep 0.1
  done
  fail "the warm-up still runs after 20 s"
}

start_overtone db
warmed_up
[ "$(metric "$OT_PORT" overtone_xor_chunk_cache_warm_segments)" = 0 ] ||
  fail "chunks built at the first start, before any remote read asked for them"
read_back first
FIRST_MISSES=$(metric "$OT_PORT" overtone_xor_chunk_cache_misses_total)
[ "$FIRST_MISSES" -gt 0 ] || fail "the first read encoded no segment ($FIRST_MISSES)"
stop_wait "$OT_PID" || fail "serve exited $? on SIGTERM"

start_overtone db
warmed_up
WARM=$(metric "$OT_PORT" overtone_xor_chunk_cache_warm_segments)
[ "$WARM" = "$FIRST_MISSES" ] || fail "the restart built $WARM segments' chunks, the first read encoded $FIRST_MISSES"
read_back second
HITS=$(metric "$OT_PORT" overtone_xor_chunk_cache_hits_total)
MISSES=$(metric "$OT_PORT" overtone_xor_chunk_cache_misses_total)
[ "$MISSES" = 0 ] || fail "the read after the restart encoded $MISSES segments again"
[ "$HITS" = "$FIRST_MISSES" ] || fail "the read after the restart found $HITS segments cached, want $FIRST_MISSES"

ot export "$WORK/first" --match "$ALL" --out "$WORK/first.om" 2>/dev/null || fail "export first"
ot export "$WORK/second" --match "$ALL" --out "$WORK/second.om" 2>/dev/null || fail "export second"
cmp -s "$WORK/first.om" "$WORK/second.om" || fail "the two reads imported different samples"
[ -s "$WORK/first.om" ] || fail "nothing was read back"
echo "serve_warm_chunks: $WARM segments built after the restart; the read after it: $HITS hits, 0 misses"
