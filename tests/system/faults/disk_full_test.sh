#!/usr/bin/env bash
# `overtone serve` on a disk that fills up: a 40 MiB tmpfs fed by remote
# write until it is full. The server must stay up, answer 503 with
# Retry-After, say why on /-/ready and /metrics, keep answering queries,
# and, once the filesystem is grown (mount -o remount,size=...), take writes
# again without a restart; after it stops, every sample it acknowledged is
# in the database (`overtone check`).
#
# Needs to mount a tmpfs (root); elsewhere it prints why and exits 77, which
# CTest reports as skipped.
#
#   disk_full_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
WORK=$(mktemp -d)
MNT="$WORK/mnt"
SERVE_PID=
MOUNTED=
cleanup() {
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -KILL "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  if [ -n "$MOUNTED" ]; then umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- serve log:" >&2; cat "$WORK/serve.log" >&2 || true; exit 1; }

mkdir -p "$MNT"
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: mounting a tmpfs needs root"; exit 77; fi
if ! mount -t tmpfs -o size=40m overtone-disk-full "$MNT" 2>"$WORK/mount.err"; then
  echo "SKIP: cannot mount a tmpfs here: $(cat "$WORK/mount.err")"; exit 77
fi
MOUNTED=1

# A plain HTTP GET with bash's /dev/tcp, so the test needs no curl.
http_get() {  # PORT PATH -> response (status line, headers, body) on stdout
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  timeout 10 cat <&3
  exec 3<&-
}
metric() {  # NAME -> value
  http_get "$PORT" /metrics | awk -v n="$1" '$1 == n {print $2}'
}

"$OVERTONE" serve "$MNT/db" --listen 127.0.0.1:0 --port-file "$WORK/port" 2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || fail "serve did not write its port file"
PORT=$(cat "$WORK/port")
URL="http://127.0.0.1:$PORT/api/v1/write"

# Fill the disk: fleets of emulated hosts, each run over its own time range
# (so no sample is sent twice), until a run gives up on 503s.
END=1700000000
filled=
for run in 1 2 3 4 5 6; do
  if ! timeout 240 "$OVERTONE" emulate --hosts 300 --interval 15s --duration 240h --seed "$run" \
      --end "$((END - run * 250 * 3600))" -q --remote-write "$URL" 2>"$WORK/emulate.err"; then
    filled=1
    break
  fi
done
[ -n "$filled" ] || fail "the disk never filled up"
grep -q "HTTP 503" "$WORK/emulate.err" || fail "emulate stopped for another reason: $(cat "$WORK/emulate.err")"
kill -0 "$SERVE_PID" 2>/dev/null || fail "serve died on the full disk"
echo "disk full: $(df -h "$MNT" | tail -1)"

READY=$(http_get "$PORT" /-/ready)
echo "$READY" | head -1 | grep " 503 " >/dev/null || fail "/-/ready is not 503 on a full disk: $READY"
echo "$READY" | grep "no space" >/dev/null || fail "/-/ready does not say why: $READY"
[ "$(metric overtone_writes_failing)" = 1 ] || fail "overtone_writes_failing is not 1"
[ "$(metric overtone_remote_write_storage_fault_requests_total)" -gt 0 ] || fail "no 503 counted"
QUERY=$(http_get "$PORT" "/api/v1/query?query=count(up)")
echo "$QUERY" | head -1 | grep " 200 " >/dev/null || fail "queries do not answer on a full disk: $QUERY"
LOGGED=$(grep -c "remote write failing" "$WORK/serve.log" || true)
[ "$LOGGED" = 1 ] || fail "the failure was logged $LOGGED times, not once"

# Space returns: writes resume within seconds, without a restart.
mount -o remount,size=160m "$MNT" || fail "cannot grow the tmpfs"
for _ in $(seq 600); do
  http_get "$PORT" /-/ready | head -1 | grep " 200 " >/dev/null && break
  sleep 0.1
done
http_get "$PORT" /-/ready | head -1 | grep " 200 " >/dev/null || fail "/-/ready did not recover after the disk grew"
timeout 120 "$OVERTONE" emulate --hosts 5 --interval 15s --duration 1h --seed 99 --end "$END" -q \
  --remote-write "$URL" || fail "writes did not resume after the disk grew"
[ "$(metric overtone_writes_failing)" = 0 ] || fail "overtone_writes_failing is not 0 after recovery"
grep -q "remote write works again" "$WORK/serve.log" || fail "the recovery was not logged"
WRITTEN=$(metric overtone_samples_written_total)

kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve exited with status $?"
SERVE_PID=

# Every acknowledged sample is in the database, and the database is sound.
CHECK=$("$OVERTONE" check "$MNT/db") || fail "overtone check: $CHECK"
echo "$CHECK"
SEALED=$(echo "$CHECK" | sed -n 's/.* segments (\([0-9]*\) samples).*/\1/p')
RAW=$(echo "$CHECK" | sed -n 's/.*, \([0-9]*\) raw samples.*/\1/p')
STORED=$((SEALED + RAW))
echo "acknowledged $WRITTEN samples, stored $STORED"
[ "$STORED" -ge "$WRITTEN" ] || fail "lost $((WRITTEN - STORED)) acknowledged samples"
echo "PASS"
