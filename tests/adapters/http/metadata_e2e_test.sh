#!/usr/bin/env bash
# overtone's metadata and status pages against a real Prometheus (Debian's 2.42):
#  1. `overtone serve` on a free loopback port;
#  2. Prometheus scrapes itself every second and remote-writes to overtone,
#     sending its metadata every second (metadata_config.send_interval);
#  3. overtone's /api/v1/metadata?metric=F must equal Prometheus's own for
#     self-scrape families of each type (counter, gauge, histogram, summary);
#  4. /api/v1/status/tsdb must have Prometheus's keys in Prometheus's order;
#  5. a push to /metrics/job/... shows in the query API and its metadata.
# Every process is killed on any exit. Exits 77 (skipped) only when no
# prometheus binary is installed.
#
#   metadata_e2e_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
if [ -z "$PROMETHEUS" ]; then
  echo "SKIP: no prometheus binary (apt-get install prometheus; scripts/setup.sh does)"
  exit 77
fi

source "$(dirname "${BASH_SOURCE[0]}")/../../support/peers.sh"

# 1. overtone
start_overtone db
OT=$OT_PORT

# 2. Prometheus, scraping itself: its config names its own port, so a retry
# picks a new port and a new config.
for attempt in 1 2 3; do
  PA=$(free_port)
  cat >"$WORK/prom.yml" <<YML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: prom
    static_configs: [{targets: ['127.0.0.1:$PA']}]
remote_write:
  - url: http://127.0.0.1:$OT/api/v1/write
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
    metadata_config: {send: true, send_interval: 1s}
YML
  try_start_prometheus prom "$WORK/prom.yml" "$PA" && break
  [ "$attempt" -lt 3 ] || fail "prometheus did not start"
done

# 3. Metadata of one family of each type, once both have it (at most 60 s).
FAMILIES=(prometheus_http_requests_total go_goroutines prometheus_http_request_duration_seconds
  go_gc_duration_seconds prometheus_tsdb_head_series)
for family in "${FAMILIES[@]}"; do
  for _ in $(seq 120); do
    P=$(http_get "$PA" "/api/v1/metadata?metric=$family")
    O=$(http_get "$OT" "/api/v1/metadata?metric=$family")
    [ "$P" = "$O" ] && echo "$O" | has '"type"' && break
    sleep 0.5
  done
  echo "$P" | has '"type"' || fail "Prometheus has no metadata for $family: $P"
  [ "$P" = "$O" ] || fail "metadata of $family differs
Prometheus: $P
overtone:   $O"
done
ALL=$(http_get "$OT" "/api/v1/metadata?limit=3")
[ "$(echo "$ALL" | grep -o '"type"' | wc -l)" -eq 3 ] || fail "limit=3: $ALL"
COUNT=$("$OVERTONE" --readonly "$WORK/db" "SELECT count(*) FROM metadata WHERE type = 'histogram'" |
  tail -1 | tr -dc '0-9')
[ "${COUNT:-0}" -ge 1 ] || fail "SQL's metadata table has no histogram family"

# 4. The tsdb page: the same keys in the same order (first occurrences).
keys() { grep -o '"[A-Za-z]*":' | awk '!seen[$0]++' | tr -d '\n'; }
TP=$(http_get "$PA" /api/v1/status/tsdb | keys)
TO=$(http_get "$OT" /api/v1/status/tsdb | keys)
[ "$TP" = "$TO" ] || fail "status/tsdb keys differ: Prometheus $TP, overtone $TO"
http_get "$OT" /api/v1/status/tsdb | has '"seriesCountByMetricName":\[{"name":"' ||
  fail "status/tsdb counts no metric: $(http_get "$OT" /api/v1/status/tsdb)"
CP=$(http_get "$PA" /api/v1/status/config | grep -o '^{"status":"success","data":{"yaml":"')
CO=$(http_get "$OT" /api/v1/status/config | grep -o '^{"status":"success","data":{"yaml":"')
[ -n "$CP" ] && [ "$CP" = "$CO" ] || fail "status/config is not shaped as Prometheus's"

# 5. A push, seen by PromQL, with its metadata.
R=$(http PUT "$OT" /metrics/job/e2e/instance/x $'# TYPE e2e_pushed gauge\n# HELP e2e_pushed Pushed.\ne2e_pushed 42\n')
[ -z "$R" ] || fail "push answered $R"
http_get "$OT" "/api/v1/query?query=e2e_pushed" | has '"instance":"x","job":"e2e"},"value":\[[0-9.]*,"42"\]' ||
  fail "pushed sample not found: $(http_get "$OT" "/api/v1/query?query=e2e_pushed")"
http_get "$OT" "/api/v1/metadata?metric=e2e_pushed" | has '"help":"Pushed."' || fail "pushed metadata missing"
echo "metadata_e2e_test: ${#FAMILIES[@]} families' metadata equal to Prometheus 2.42's; tsdb and config shaped alike"
