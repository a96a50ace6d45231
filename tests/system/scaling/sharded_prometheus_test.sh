#!/usr/bin/env bash
# The recipe of docs/SCALING.md, run for real with Debian's Prometheus 2.42:
#  1. three overtone shards and one single overtone holding everything, each
#     `overtone serve` on a free loopback port;
#  2. Prometheus A scrapes itself and the four overtones every second and
#     remote-writes each series to one shard (hashmod write relabelling, the
#     temporary label dropped) and everything to the single instance; it is
#     then stopped, which flushes its remote-write queues;
#  3. the shards split the series between them with none left out, none
#     twice and no temporary label stored;
#  4. Prometheus B reads the three shards (remote_read fan-out) and Prometheus
#     C reads the single instance: instant and range queries, aggregations
#     across shards included, must answer byte for byte alike.
# Every process is killed on any exit. Exits 77 (skipped) only when no
# prometheus binary is installed.
#
#   sharded_prometheus_test.sh OVERTONE_BINARY
set -euo pipefail

OVERTONE=$1
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
if [ -z "$PROMETHEUS" ]; then
  echo "SKIP: no prometheus binary (apt-get install prometheus; scripts/setup.sh does)"
  exit 77
fi
source "$(dirname "${BASH_SOURCE[0]}")/../../support/peers.sh"

SHARDS=3
SHARD_PORTS=()
for i in $(seq 0 $((SHARDS - 1))); do
  start_overtone "shard$i"
  SHARD_PORTS+=("$OT_PORT")
done
start_overtone single
SINGLE=$OT_PORT

# 2. Prometheus A. Its config names its own port (it scrapes itself), so a
# retry picks a new port and a new config.
write_a_config() {
  cat <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prom
    static_configs: [{targets: ['127.0.0.1:$1']}]
  - job_name: overtone
    static_configs: [{targets: [$(printf "'127.0.0.1:%s'," "${SHARD_PORTS[@]}")'127.0.0.1:$SINGLE']}]
remote_write:
  - url: http://127.0.0.1:$SINGLE/api/v1/write
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
YML
  for i in $(seq 0 $((SHARDS - 1))); do
    cat <<YML
  - url: http://127.0.0.1:${SHARD_PORTS[$i]}/api/v1/write
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
    write_relabel_configs:
      - {source_labels: [__name__, job, instance], modulus: $SHARDS, target_label: __tmp_shard, action: hashmod}
      - {source_labels: [__tmp_shard], regex: '$i', action: keep}
      - {regex: __tmp_shard, action: labeldrop}
YML
  done
}
for attempt in 1 2 3; do
  PA_PORT=$(free_port)
  write_a_config "$PA_PORT" >"$WORK/a.yml"
  try_start_prometheus prom-a "$WORK/a.yml" "$PA_PORT" && break
  [ "$attempt" -lt 3 ] || fail "prometheus A did not become ready"
done
A_PID=$PROM_PID
sleep 25
STOP_MS=$(now_ms)
stop "$A_PID" 60 || fail "prometheus A did not stop within 60 s"
# Everything scraped up to here was remote-written before A stopped.
T_MS=$((STOP_MS - 5000))
T=$(awk "BEGIN{printf \"%.3f\", $T_MS/1000}")

query() {  # PORT EXPR: the body of an instant query at T
  http_get "$1" "/api/v1/query?query=$(urlencode "$2")&time=$T"
}
value_of() { grep -o '"value":\[[^]]*\]' | head -1 | sed 's/.*,"\(.*\)"\]/\1/'; }

# 3. The shards split the series.
count_series='count({__name__=~".+"})'
TOTAL=0
for port in "${SHARD_PORTS[@]}"; do
  n=$(query "$port" "$count_series" | value_of)
  [ "${n:-0}" -gt 0 ] || fail "shard on $port holds no series: $(query "$port" "$count_series")"
  TOTAL=$((TOTAL + n))
  query "$port" 'count({__tmp_shard!=""})' | has '"result":\[\]' || fail "shard on $port stored __tmp_shard"
done
ALL=$(query "$SINGLE" "$count_series" | value_of)
[ "$TOTAL" = "$ALL" ] || fail "the shards hold $TOTAL series, the single instance $ALL"

# 4. B reads the shards, C the single instance.
{
  echo "global: {scrape_interval: 1m}"
  echo "remote_read:"
  for port in "${SHARD_PORTS[@]}"; do
    echo "  - {url: 'http://127.0.0.1:$port/api/v1/read', read_recent: true}"
  done
} >"$WORK/b.yml"
printf "global: {scrape_interval: 1m}\nremote_read:\n  - {url: 'http://127.0.0.1:%s/api/v1/read', read_recent: true}\n" \
  "$SINGLE" >"$WORK/c.yml"
start_prometheus prom-b "$WORK/b.yml"
PB=$PROM_PORT
start_prometheus prom-c "$WORK/c.yml"
PC=$PROM_PORT

QUERIES=(
  "$count_series"
  'count by (job) ({__name__=~".+"})'
  'up'
  'sum by (job) (rate(prometheus_http_requests_total[10s]))'
  'topk(3, max_over_time(go_goroutines[20s]))'
  'avg by (job) (go_memstats_alloc_bytes)'
  'histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[20s])))'
  'sum(overtone_remote_write_requests_total) by (instance)'
)
for q in "${QUERIES[@]}"; do
  B=$(query "$PB" "$q")
  C=$(query "$PC" "$q")
  echo "$C" | has '"result":\[{' || fail "C answered nothing for $q: $C"
  [ "$B" = "$C" ] || fail "sharded and single answers differ for $q
shards: $B
single: $C"
done
START=$(awk "BEGIN{printf \"%.3f\", $T_MS/1000 - 15}")
RANGE="/api/v1/query_range?query=$(urlencode 'sum by (job) (rate(go_gc_duration_seconds_count[5s]))')&start=$START&end=$T&step=1"
B=$(http_get "$PB" "$RANGE")
C=$(http_get "$PC" "$RANGE")
echo "$C" | has '"values":\[\[' || fail "C: range query returned no values: $C"
[ "$B" = "$C" ] || fail "range query differs: shards $B, single $C"

echo "sharded_prometheus_test: $SHARDS shards hold $TOTAL series between them; ${#QUERIES[@]} instant" \
  "queries and a range query through Prometheus agree with a single instance"
