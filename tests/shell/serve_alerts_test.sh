#!/usr/bin/env bash
# Alerts from `overtone serve --rules` to a real Alertmanager (Debian's
# prometheus-alertmanager, on a free loopback port with a throwaway config):
#  1. a pushed value above the rule's threshold makes the alert fire, and
#     Alertmanager's API shows it with its labels, its templated annotation
#     ({{ $value }}, {{ $labels.host }}), startsAt and a generatorURL into the
#     web console;
#  2. a pushed value below it resolves the alert, and Alertmanager lets it go;
#  3. /metrics counts what was sent.
# Every process is killed on any exit. Exits 77 (skipped) only when no
# Alertmanager is installed.
#
#   serve_alerts_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
ALERTMANAGER=${ALERTMANAGER:-$(command -v prometheus-alertmanager || command -v alertmanager || true)}
if [ -z "$ALERTMANAGER" ]; then
  echo "SKIP: no Alertmanager (apt-get install prometheus-alertmanager; scripts/setup.sh does)"
  exit 77
fi
source "$(dirname "${BASH_SOURCE[0]}")/../support/peers.sh"

# Alertmanager: one receiver that does nothing; alerts are read from its API.
cat >"$WORK/am.yml" <<'YML'
route: {receiver: none, group_wait: 1s, group_interval: 1s, repeat_interval: 1h}
receivers: [{name: none}]
YML
for attempt in 1 2 3; do
  AM_PORT=$(free_port)
  "$ALERTMANAGER" --config.file="$WORK/am.yml" --storage.path="$WORK/am-data" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= --log.level=warn \
    >"$WORK/alertmanager.log" 2>&1 &
  AM_PID=$!
  PIDS+=("$AM_PID")
  disown "$AM_PID"
  wait_ready "$AM_PORT" /-/ready "$AM_PID" && break
  kill -KILL "$AM_PID" 2>/dev/null || true
  [ "$attempt" -lt 3 ] || fail "alertmanager did not become ready"
done

cat >"$WORK/rules.yml" <<'YML'
groups:
  - name: demo
    interval: 1s
    rules:
      - alert: DemoHigh
        expr: demo_value > 1
        labels: {severity: page}
        annotations:
          summary: 'demo_value is {{ $value }} on {{ $labels.host }}'
YML
start_overtone db --rules "$WORK/rules.yml" --alertmanager "http://127.0.0.1:$AM_PORT"

alerts() { http_get "$AM_PORT" /api/v2/alerts; }
wait_for() {  # SECONDS COMMAND...: until COMMAND succeeds
  local secs=$1
  shift
  for _ in $(seq $((secs * 4))); do "$@" && return 0; sleep 0.25; done
  return 1
}
firing() { alerts | has '"alertname":"DemoHigh"'; }
gone() { ! alerts | has '"alertname":"DemoHigh"'; }

# 1. Above the threshold: it fires, and Alertmanager has it.
http_post "$OT_PORT" /api/v1/import/prometheus 'demo_value{host="a"} 5' | head -1 | has ' 204 ' ||
  fail "the push was refused"
wait_for 30 firing || fail "the alert did not reach Alertmanager within 30 s: $(alerts)"
A=$(alerts)
echo "$A" | has '"summary":"demo_value is 5 on a"' || fail "templated annotation missing: $A"
echo "$A" | has '"severity":"page"' || fail "rule label missing: $A"
echo "$A" | has '"host":"a"' || fail "series label missing: $A"
echo "$A" | has '"startsAt":"20[0-9-]*T' || fail "startsAt missing: $A"
echo "$A" | has "\"generatorURL\":\"http://127.0.0.1:$OT_PORT/graph?g0.expr=demo_value%20%3E%201" ||
  fail "generatorURL: $A"
http_get "$OT_PORT" /api/v1/alerts | has '"state":"firing"' || fail "overtone's /api/v1/alerts: not firing"

# 2. Below it: resolved, and Alertmanager drops it.
http_post "$OT_PORT" /api/v1/import/prometheus 'demo_value{host="a"} 0' | head -1 | has ' 204 ' ||
  fail "the second push was refused"
wait_for 30 gone || fail "the resolved alert stayed in Alertmanager: $(alerts)"

# 3. What was sent is counted.
SENT=$(http_get "$OT_PORT" /metrics | grep '^prometheus_notifications_sent_total' | awk '{print $2}')
[ "${SENT:-0}" -ge 2 ] || fail "prometheus_notifications_sent_total is ${SENT:-0}, expected the firing and the resolved alert"
stop "$OT_PID" 30 || fail "overtone serve did not stop on SIGTERM"
echo "serve_alerts_test: DemoHigh fired in Alertmanager with its templated annotation and resolved; $SENT alerts sent"
