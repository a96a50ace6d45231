#!/usr/bin/env bash
# Reading a database while `overtone serve` holds it: with ingest running
# (`overtone emulate --realtime --remote-write`), the SQL shell opens the
# same DBDIR as a secondary; statements read from stdin one after another
# see the sample count grow, `--readonly` reads too, and a write is refused
# with an error naming the server (its address and pid).
#
#   live_read_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
source "$(dirname "$0")/../support/peers.sh"

start_overtone db
PORT=$OT_PORT

# A scrape of 4 hosts every second, for as long as the test needs.
start_process emulate "$OVERTONE" emulate --hosts 4 --interval 1s --duration 2m --realtime -q \
  --remote-write "http://127.0.0.1:$PORT/api/v1/write"
EMULATE_PID=$LAST_PID

count() { tr -dc '0-9\n' | grep -v '^$'; }
# Wait for the first samples, each look a fresh process.
for _ in $(seq 100); do
  N=$(timeout 20 "$OVERTONE" "$WORK/db" "SELECT count(*) FROM samples" 2>>"$WORK/shell.log" | count || true)
  [ "${N:-0}" -gt 0 ] && break
  sleep 0.2
done
[ "${N:-0}" -gt 0 ] || fail "the shell never saw a sample: $(cat "$WORK/shell.log")"

# One shell process, three statements a few seconds apart: each catches up.
COUNTS=$( (echo "SELECT count(*) FROM samples;"; sleep 2.5; echo "SELECT count(*) FROM samples;"
           sleep 2.5; echo "SELECT count(*) FROM samples;") |
         timeout 30 "$OVERTONE" "$WORK/db" 2>"$WORK/shell.err" | count) || fail "shell: $(cat "$WORK/shell.err")"
read -r C1 C2 C3 <<<"$(echo $COUNTS)"
[ -n "${C3:-}" ] || fail "expected three counts, got: $COUNTS"
{ [ "$C1" -lt "$C2" ] && [ "$C2" -lt "$C3" ]; } || fail "counts did not grow within one shell: $C1 $C2 $C3"

# --readonly reads beside the server too, and sees at least as much.
R=$(timeout 20 "$OVERTONE" --readonly "$WORK/db" "SELECT count(*) FROM samples" | count) || fail "--readonly"
[ "$R" -ge "$C3" ] || fail "--readonly saw $R samples, fewer than $C3 before"

# A write from the shell is refused, naming the server.
if timeout 20 "$OVERTONE" "$WORK/db" "INSERT INTO samples(metric, ts, value) VALUES ('x', 1, 1)" \
    2>"$WORK/write.err"; then
  fail "a write beside the server succeeded"
fi
grep -qF "is open for writing by overtone serve on http://127.0.0.1:$PORT (pid $OT_PID)" "$WORK/write.err" ||
  fail "the refused write should name the server: $(cat "$WORK/write.err")"
# The user's own tables (DBDIR/user.db) stay writable.
timeout 20 "$OVERTONE" "$WORK/db" "CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES ('hi')" ||
  fail "user tables beside the server"

stop_wait "$EMULATE_PID" || true
stop_wait "$OT_PID" || fail "serve exited non-zero after SIGTERM"
# Once the server is gone, the shell writes again.
"$OVERTONE" "$WORK/db" "INSERT INTO samples(metric, ts, value) VALUES ('x', 1, 1)" || fail "write after serve"
echo "live_read: counts $C1 < $C2 < $C3 while ingest ran; write refused naming the server"
