#!/usr/bin/env bash
# Alerts keep their `for` progress across a crash, as Prometheus's do: a
# server with two alerting rules on the same condition (`for: 3s`, fires
# before the crash; `for: 5m`, still pending) is killed with SIGKILL and
# started again on the same database. After its second evaluation it reads
# ALERTS_FOR_STATE back: the firing alert fires again with its original
# activeAt (whole seconds, as ALERTS_FOR_STATE stores it), the pending one
# keeps the time it had spent pending (its activeAt moved later by the
# outage, so before the restart). Killed again and restarted past
# --rules.alert.for-outage-tolerance, both start afresh.
#
#   serve_rules_restore_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
source "$(dirname "$0")/../support/peers.sh"

cat >"$WORK/rules.yml" <<'YAML'
groups:
  - name: held
    interval: 1s
    rules:
      - alert: FiresSoon
        expr: held > 0
        for: 3s
      - alert: PendsLong
        expr: held > 0
        for: 5m
YAML

serve() {  # serve the database in $WORK/db with the rules and the extra flags
  start_overtone db --rules "$WORK/rules.yml" --rules.alert.for-grace-period 1s "$@"
}

# alert NAME: "STATE ACTIVEAT" of the alert, ACTIVEAT to the second
# (2026-01-02T03:04:05), or nothing.
alert() {
  http_get "$OT_PORT" /api/v1/alerts |
    grep -o "\"alertname\":\"$1\"},\"annotations\":{},\"state\":\"[a-z]*\",\"activeAt\":\"[^\"]*\"" |
    sed 's/.*"state":"\([a-z]*\)","activeAt":"\([0-9T:-]*\).*/\1 \2/'
}

wait_alert() {  # NAME STATE [ACTIVEAT]: until the alert is so (20 s)
  for _ in $(seq 200); do
    case "$(alert "$1")" in "$2 ${3:-}"*) return 0 ;; esac
    sleep 0.1
  done
  fail "$1 is \"$(alert "$1")\", not \"$2 ${3:-}\""
}

seconds() { date -u -d "$1Z" +%s; }  # an ACTIVEAT in Unix seconds

crash() {  # SIGKILL: nothing is flushed or marked stale
  kill -KILL "$OT_PID"
  wait "$OT_PID" 2>/dev/null || true
}

# The first run: FiresSoon fires, PendsLong is pending for a while.
serve
http_post "$OT_PORT" /api/v1/import/prometheus 'held 1' | has ' 204 ' || fail "import"
wait_alert FiresSoon firing
FIRING_AT=$(alert FiresSoon | cut -d' ' -f2)
PENDING_AT=$(alert PendsLong | cut -d' ' -f2)
[ "$(alert PendsLong | cut -d' ' -f1)" = pending ] || fail "PendsLong: $(alert PendsLong)"
sleep 4  # PendsLong pending for 7 s or so
crash
sleep 2

# Restarted: restored after the second evaluation, then firing again.
RESTART=$(date -u +%s)
serve
wait_alert FiresSoon firing "$FIRING_AT"
read -r STATE AT <<<"$(alert PendsLong)"
[ "$STATE" = pending ] || fail "PendsLong is $STATE after the restart"
# It had been pending about 7 s at the crash; the 2 s outage does not count.
[ "$(seconds "$AT")" -lt "$((RESTART - 2))" ] ||
  fail "PendsLong lost its progress: activeAt $AT, restarted at $(date -u -d "@$RESTART" +%FT%T), first $PENDING_AT"
[ "$(seconds "$AT")" -gt "$(seconds "$PENDING_AT")" ] || fail "PendsLong's outage counted as pending: $AT"
http_get "$OT_PORT" "/api/v1/query?query=ALERTS_FOR_STATE%7Balertname%3D%22FiresSoon%22%7D" |
  has "\"value\":\[[0-9.]*,\"$(seconds "$FIRING_AT")\"\]" || fail "ALERTS_FOR_STATE not written back"
http_get "$OT_PORT" /metrics | has '^prometheus_rule_group_last_restore_duration_seconds{' ||
  fail "no restore duration on /metrics"
crash
sleep 3

# Past the outage tolerance: both start afresh.
RESTART=$(date -u +%s)
serve --rules.alert.for-outage-tolerance 2s
wait_alert FiresSoon firing
for name in FiresSoon PendsLong; do
  AT=$(alert "$name" | cut -d' ' -f2)
  [ "$(seconds "$AT")" -ge "$RESTART" ] || fail "$name restored past the outage tolerance: activeAt $AT"
done
stop "$OT_PID" || fail "serve did not stop on SIGTERM"
echo "serve_rules_restore_test: OK"
