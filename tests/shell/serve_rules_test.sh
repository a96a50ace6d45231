#!/usr/bin/env bash
# `overtone serve --rules` as a process: recording and alerting rules
# evaluated every second into the database (queryable by PromQL), the
# rules and alerts APIs in Prometheus's shapes, POST /-/reload keeping the
# old rules when a file is broken, SIGHUP reloading a fixed one; a subquery
# without a step stepping by --rule-interval.
#
#   serve_rules_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
source "$(dirname "$0")/../support/peers.sh"

cat >"$WORK/rules.yml" <<'YAML'
groups:
  - name: demo
    interval: 1s
    rules:
      - record: demo:one
        expr: vector(1)
        labels: {source: rules}
      - record: demo:steps
        expr: count_over_time(vector(1)[55s:])
      - alert: AlwaysFiring
        expr: vector(42)
        labels: {severity: page}
        annotations: {summary: 'value {{ $value }}'}
YAML

start_overtone db --rules "$WORK/*.yml" --rule-interval 10s
PORT=$OT_PORT
http() { http_status "$@"; }  # METHOD PORT PATH: the status line and body

# Within a few evaluations the alert fires and the recorded series is there.
for _ in $(seq 100); do
  http GET "$PORT" /api/v1/alerts | has '"state":"firing"' && break
  sleep 0.1
done
ALERTS=$(http GET "$PORT" /api/v1/alerts)
echo "$ALERTS" | has -F '"labels":{"alertname":"AlwaysFiring","severity":"page"},"annotations":{"summary":"value 42"},"state":"firing"' ||
  fail "/api/v1/alerts: $ALERTS"
RULES=$(http GET "$PORT" /api/v1/rules)
for want in '"name":"demo"' '"type":"recording"' '"type":"alerting"' '"health":"ok"' '"interval":1.0'; do
  echo "$RULES" | has -F "$want" || fail "/api/v1/rules lacks $want: $RULES"
done
http GET "$PORT" '/api/v1/rules?type=record' | has '"type":"alerting"' && fail "type=record shows alerting rules"
http GET "$PORT" '/api/v1/rules?type=nonsense' | has '^HTTP/1.1 400' || fail "type=nonsense should be 400"
for _ in $(seq 50); do
  http GET "$PORT" '/api/v1/query?query=demo:one' | has '"source":"rules"' && break
  sleep 0.1
done
QUERY=$(http GET "$PORT" '/api/v1/query?query=demo:one')
echo "$QUERY" | has -F '"metric":{"__name__":"demo:one","source":"rules"}' || fail "recorded series: $QUERY"
# A subquery without a step steps by --rule-interval (10s: 5 or 6 steps in
# 55s, where 1m would give 0 or 1), as Prometheus's by evaluation_interval.
for _ in $(seq 50); do
  http GET "$PORT" '/api/v1/query?query=demo:steps' | has '"demo:steps"' && break
  sleep 0.1
done
STEPS=$(http GET "$PORT" '/api/v1/query?query=demo:steps')
echo "$STEPS" | has '"value":\[[0-9.]*,"[56]"\]' || fail "subquery steps under --rule-interval 10s: $STEPS"

# ALERTS is written from the group's third evaluation on (after the `for`
# state restore, as Prometheus does).
for _ in $(seq 50); do
  http GET "$PORT" '/api/v1/query?query=ALERTS%7Balertstate%3D%22firing%22%7D' | has '"alertname":"AlwaysFiring"' && break
  sleep 0.1
done
http GET "$PORT" '/api/v1/query?query=ALERTS%7Balertstate%3D%22firing%22%7D' | has '"alertname":"AlwaysFiring"' ||
  fail "ALERTS is not queryable"

METRICS=$(http GET "$PORT" /metrics)
for want in "prometheus_rule_group_last_duration_seconds{rule_group=\"$WORK/rules.yml;demo\"}" \
            "prometheus_rule_group_rules{rule_group=\"$WORK/rules.yml;demo\"} 3"; do
  echo "$METRICS" | has -F "$want" || fail "/metrics lacks $want"
done

# A broken file: POST /-/reload answers 500 and the old rules keep running.
printf 'groups:\n  - name: broken\n    rules:\n      - record: "bad name"\n        expr: up\n' >"$WORK/zz.yml"
RELOAD=$(http POST "$PORT" /-/reload)
echo "$RELOAD" | has '^HTTP/1.1 500' || fail "reload of a broken file: $RELOAD"
echo "$RELOAD" | has 'invalid recording rule name' || fail "reload says why: $RELOAD"
http GET "$PORT" /api/v1/rules | has '"name":"demo"' || fail "old rules gone after a failed reload"

# Fixed, and SIGHUP: the new group appears.
printf 'groups:\n  - name: added\n    rules:\n      - record: added:one\n        expr: vector(1)\n' >"$WORK/zz.yml"
kill -HUP "$OT_PID"
for _ in $(seq 50); do
  http GET "$PORT" /api/v1/rules | has '"name":"added"' && break
  sleep 0.1
done
http GET "$PORT" /api/v1/rules | has '"name":"added"' || fail "SIGHUP did not reload"
grep -q 'SIGHUP: rules reloaded' "$WORK/db.log" || fail "no reload in the log"
http POST "$PORT" /-/reload | has '^HTTP/1.1 200' || fail "reload of good files should be 200"

stop_wait "$OT_PID" && RC=0 || RC=$?
[ "$RC" -ne 124 ] || fail "serve did not stop within 30 s of SIGTERM"
[ "$RC" -eq 0 ] || fail "serve exited $RC after SIGTERM"
echo "serve_rules_test: OK"
