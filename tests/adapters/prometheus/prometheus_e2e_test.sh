#!/usr/bin/env bash
# overtone against a real Prometheus (Debian's 2.42):
#  1. `overtone serve` on a free loopback port;
#  2. Prometheus A scrapes itself and overtone every second and remote-writes
#     to overtone;
#  3. once enough has arrived, Prometheus B, with an empty TSDB and
#     remote_read pointed at overtone, must answer range-vector queries
#     exactly as A answers them from its own TSDB (this is the SAMPLES
#     response type: B's 2.42 client asks for nothing else);
#     overtone's status endpoints (runtimeinfo's keys, flags' shape,
#     format_query's text) must answer as A's do, and so must instant
#     queries of constants (values past 2^53, count_values' label),
#     requests with bad parameters and PromQL that does not parse;
#  4. STREAMED_XOR_CHUNKS: remote_read_probe asks overtone and Prometheus A's
#     own remote read endpoint for the same series and range; the decoded
#     samples must be equal (overtone's chunks checked against Prometheus's
#     encoder by a common decoder), and so must overtone's SAMPLES answer;
#  5. SIGTERM stops overtone cleanly and SQL sees the samples.
# Every process is killed on any exit. Exits 77 (skipped) only when no
# prometheus binary is installed.
#
#   prometheus_e2e_test.sh OVERTONE_BINARY REMOTE_READ_PROBE
set -euo pipefail

OVERTONE=$1
PROBE=$2
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
if [ -z "$PROMETHEUS" ]; then
  echo "SKIP: no prometheus binary (apt-get install prometheus; scripts/setup.sh does)"
  exit 77
fi

source "$(dirname "${BASH_SOURCE[0]}")/../../support/peers.sh"

# 1. overtone
start_overtone db
SERVE_PID=$OT_PID
OT=$OT_PORT

# 2. Prometheus A: scrapes itself and overtone, remote-writes to overtone.
# Its config names its own port, so a retry picks a new port and a new config.
write_a_config() {
  cat >"$WORK/a.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prom
    static_configs: [{targets: ['127.0.0.1:$1']}]
  - job_name: overtone
    static_configs: [{targets: ['127.0.0.1:$OT']}]
remote_write:
  - url: http://127.0.0.1:$OT/api/v1/write
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s, retry_on_http_429: true}
YML
}
START_MS=$(now_ms)
for attempt in 1 2 3; do
  PA_PORT=$(free_port)
  write_a_config "$PA_PORT"
  try_start_prometheus prom-a "$WORK/a.yml" "$PA_PORT" && break
  [ "$attempt" -lt 3 ] || fail "prometheus A did not become ready"
done

# Wait (at most 60 s) until overtone holds 20 s of A's self-scrapes.
SEL=(__name__=~'up|prometheus_tsdb_head_samples_appended_total|prometheus_http_requests_total' job=~prom)
for _ in $(seq 120); do
  sleep 0.5
  NOW=$(now_ms)
  [ $((NOW - START_MS)) -ge 25000 ] || continue
  END_MS=$((NOW - 5000))
  LAST=$("$PROBE" "$OT" "$((END_MS - 2000))" "$END_MS" samples __name__=~up job=~prom | wc -l)
  [ "$LAST" -gt 0 ] && break
done
[ "${LAST:-0}" -gt 0 ] || fail "no remote-written samples reached overtone within 60 s"
sleep 2  # let the other remote write shards catch up to END_MS too
BEGIN_MS=$((END_MS - 15000))

# 3. Prometheus B: empty TSDB, remote_read from overtone.
cat >"$WORK/b.yml" <<YML
global: {scrape_interval: 1m}
remote_read:
  - url: http://127.0.0.1:$OT/api/v1/read
    read_recent: true
YML
start_prometheus prom-b "$WORK/b.yml"
PB=$PROM_PORT

EVAL_S=$(awk "BEGIN{printf \"%.3f\", $END_MS/1000}")
for q in 'up{job="prom"}[15s]' 'prometheus_tsdb_head_samples_appended_total{job="prom"}[15s]' \
         'prometheus_http_requests_total{job="prom"}[15s]'; do
  path="/api/v1/query?query=$(urlencode "$q")&time=$EVAL_S"
  A=$(http_get "$PA_PORT" "$path")
  B=$(http_get "$PB" "$path")
  echo "$A" | has '"status":"success"' || fail "A: $q: $A"
  echo "$A" | has '"values":\[\[' || fail "A returned no samples for $q: $A"
  [ "$A" = "$B" ] || fail "Prometheus B (remote read from overtone) differs from A for $q
A: $A
B: $B"
done
METRICS=$(http_get "$OT" /metrics)
echo "$METRICS" | grep -E '^overtone_remote_read_requests_total' >&2

# 3b. The status endpoints Prometheus's tools call: runtimeinfo has A's keys
# in A's order, flags is an object of strings in both, format_query prints
# what A prints.
keys() { grep -o '"[A-Za-z]*":' | tr -d '\n'; }
RA=$(http_get "$PA_PORT" /api/v1/status/runtimeinfo | keys)
RO=$(http_get "$OT" /api/v1/status/runtimeinfo | keys)
[ "$RA" = "$RO" ] || fail "runtimeinfo keys differ: Prometheus $RA, overtone $RO"
FLAGS_SHAPE='^\{"status":"success","data":\{("[^"]*":"[^"]*",)*"[^"]*":"[^"]*"\}\}$'
http_get "$PA_PORT" /api/v1/status/flags | has -E "$FLAGS_SHAPE" || fail "Prometheus's flags are not shaped as expected"
http_get "$OT" /api/v1/status/flags | has -E "$FLAGS_SHAPE" || fail "flags: $(http_get "$OT" /api/v1/status/flags)"
for q in 'sum by(job)(rate(x[5m]))' 'x{b="1",a="2"}[5m] @ 10.5 offset 1m' 'a+on(b)group_left d' \
         'topk(3,max_over_time(rate(x[1m])[10m:]))' '0x10+1e3' 'sum(' \
         'histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))'; do
  path="/api/v1/format_query?query=$(urlencode "$q")"
  A=$(http_get "$PA_PORT" "$path")
  O=$(http_get "$OT" "$path")
  [ "$A" = "$O" ] || fail "format_query $q: Prometheus $A, overtone $O"
  echo "$O" | has '"status":"'"$(echo "$A" | grep -o '"status":"[a-z]*"' | cut -d'"' -f4)"'"' ||
    fail "format_query $q: Prometheus $A, overtone $O"
done

# 3c. Values as Prometheus spells them: the shortest digits that read back,
# padded with zeros past 2^53, in values and in count_values' label.
for q in '1e23' '-2^70' '123456789012345678' '0.1+0.2' '1e-7' '-0' '2^1023*1.999' 'vector(2^63)' \
         'count_values("v", vector(2^60))'; do
  path="/api/v1/query?query=$(urlencode "$q")&time=1000"
  A=$(http_get "$PA_PORT" "$path")
  O=$(http_get "$OT" "$path")
  [ "$A" = "$O" ] || fail "query $q: Prometheus $A, overtone $O"
done

# 3d. Bad parameters get Prometheus's own error answers.
for path in '/api/v1/query?query=up&time=abc' '/api/v1/labels?start=abc' '/api/v1/label/job/values?end=abc' \
            '/api/v1/series?match%5B%5D=up&start=abc' '/api/v1/query_range?query=up&start=abc&end=100&step=10' \
            '/api/v1/query_range?query=up&start=0&end=100&step=0' '/api/v1/query?query=up&timeout=abc' \
            '/api/v1/query?query=foo(up)' '/api/v1/query?query=rate(x)&time=10' '/api/v1/query?query=&time=10' \
            '/api/v1/query_range?query=x%20y&start=0&end=100&step=10'; do
  A=$(http_get "$PA_PORT" "$path")
  O=$(http_get "$OT" "$path")
  [ "$A" = "$O" ] || fail "$path: Prometheus $A, overtone $O"
done

# 3e. PromQL that does not parse: the lexer's and the parser's messages and
# positions as Prometheus writes them (none with < > &, which Prometheus's
# JSON escapes and overtone's does not).
for q in 'sum(' ')' 'foo[5m' 'foo[5m]]' 'foo{a="b"' 'foo}' '5x' 'foo[5x]' 'foo[[5m]]' '"a\qb"' "'abc" \
         'foo !x' 'foo{a~"b"}' '1 < 2 )' 'foo[5m:1m 2m]' 'rate(x[5m],)' 'foo offset 1m[5m]' 'a + on(b) 1' \
         '0x' 'foo{,}'; do
  path="/api/v1/query?query=$(urlencode "$q")&time=10"
  A=$(http_get "$PA_PORT" "$path")
  O=$(http_get "$OT" "$path")
  [ "$A" = "$O" ] || fail "query $q: Prometheus $A, overtone $O"
done

# 4. Both response types straight from overtone, against Prometheus A's own
# remote read endpoint (its XOR chunk encoder) for the same range.
"$PROBE" "$PA_PORT" "$BEGIN_MS" "$END_MS" streamed "${SEL[@]}" >"$WORK/prom.streamed" ||
  fail "probe of Prometheus A"
"$PROBE" "$OT" "$BEGIN_MS" "$END_MS" streamed "${SEL[@]}" >"$WORK/ot.streamed" ||
  fail "probe of overtone (streamed)"
"$PROBE" "$OT" "$BEGIN_MS" "$END_MS" samples "${SEL[@]}" >"$WORK/ot.samples" ||
  fail "probe of overtone (samples)"
[ -s "$WORK/prom.streamed" ] || fail "Prometheus A returned no samples"
diff -q "$WORK/prom.streamed" "$WORK/ot.streamed" >/dev/null ||
  fail "STREAMED_XOR_CHUNKS from overtone differ from Prometheus's: $(diff "$WORK/prom.streamed" "$WORK/ot.streamed" | head)"
diff -q "$WORK/ot.samples" "$WORK/ot.streamed" >/dev/null || fail "SAMPLES and STREAMED answers differ"

# 5. Clean stop, then SQL.
kill -TERM "$SERVE_PID"
for _ in $(seq 300); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
wait "$SERVE_PID" && RC=0 || RC=$?
[ "$RC" -eq 0 ] || fail "overtone serve exited $RC after SIGTERM"
UP=$("$OVERTONE" "$WORK/db" \
  "SELECT count(*) FROM samples WHERE metric = 'up' AND json_extract(labels, '\$.job') = 'prom'" |
  tail -1 | tr -dc '0-9')
[ "${UP:-0}" -ge 15 ] || fail "SQL sees only ${UP:-0} up samples"
echo "prometheus_e2e_test: $(wc -l <"$WORK/ot.streamed") samples identical over both response" \
  "types and Prometheus's own remote read; remote-read queries match; $UP up samples in SQL"
