#!/usr/bin/env bash
# histogram_quantile against a real Prometheus (Debian's 2.42) on the same
# generated classic histograms:
#  1. awk writes two hours of `_bucket` counters every 15 s as OpenMetrics:
#     exponential observations over 8 buckets (one always empty) for three
#     instances, one of which resets its counters half way; a histogram that
#     never observes anything; one without a +Inf bucket; one whose
#     cumulative counts fall between buckets; one whose le labels are
#     spelled 1.0, 1e1, inf, 1 and 1.0 (the same bound twice) and abc;
#  2. `promtool tsdb create-blocks-from openmetrics` backfills it into a
#     fresh TSDB that Prometheus serves; `overtone import` reads the same
#     file and `overtone serve` answers the same query API;
#  3. each query's query_range answer (every series, every step) must be the
#     same from both, values equal within a relative 1e-9 (NaN and +-Inf
#     exactly).
# Samples lie at 7 s past each 15 s and evaluation steps on whole minutes,
# so no sample sits on a window's edge: Prometheus 2.42's windows are closed
# on the left, overtone's (as 3.x's) open. Every process is killed and the
# work directory removed on any exit. Exits 77 (skipped) only when
# prometheus or promtool is not installed.
#
#   histogram_prometheus_test.sh OVERTONE_BINARY
set -euo pipefail
OVERTONE=$1
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
if [ -z "$PROMETHEUS" ] || [ -z "$PROMTOOL" ]; then
  echo "SKIP: prometheus/promtool not installed (apt-get install prometheus; scripts/setup.sh does)"
  exit 77
fi
source "$(dirname "${BASH_SOURCE[0]}")/../../support/peers.sh"

# 1. The data: T0 = 2024-05-01T00:00:00Z.
T0=1714521600
awk -v t0="$T0" 'BEGIN {
  srand(42)
  n = split("0.001 0.05 0.1 0.25 0.5 1 2.5 +Inf", le, " ")
  split("api api web", job, " ")
  for (s = 1; s <= 3; s++) for (b = 1; b <= n; b++) c[s, b] = 0
  for (i = 0; i < 480; i++) {
    ts = t0 + 7 + 15 * i
    for (s = 1; s <= 3; s++) {
      if (s == 2 && i == 240) for (b = 1; b <= n; b++) c[s, b] = 0  # a counter reset
      k = int(rand() * 20 * s)
      for (o = 0; o < k; o++) {
        v = -log(1 - rand()) * 0.3 * s
        for (b = 1; b <= n; b++) if (le[b] == "+Inf" || v <= le[b] + 0) c[s, b]++
      }
      for (b = 1; b <= n; b++)
        printf "req_seconds_bucket{job=\"%s\",instance=\"i%d\",le=\"%s\"} %d %d\n", job[s], s, le[b], c[s, b], ts
    }
    printf "idle_seconds_bucket{le=\"0.1\"} 0 %d\nidle_seconds_bucket{le=\"+Inf\"} 0 %d\n", ts, ts
    printf "noinf_seconds_bucket{le=\"0.1\"} %d %d\nnoinf_seconds_bucket{le=\"1\"} %d %d\n", i, ts, 2 * i, ts
    # Falling between buckets: 3i under 0.5 but 2i under 1.
    printf "nonmono_seconds_bucket{le=\"0.1\"} %d %d\n", i, ts
    printf "nonmono_seconds_bucket{le=\"0.5\"} %d %d\n", 3 * i, ts
    printf "nonmono_seconds_bucket{le=\"1\"} %d %d\n", 2 * i, ts
    printf "nonmono_seconds_bucket{le=\"+Inf\"} %d %d\n", 4 * i, ts
    split("0.5 1.0 1e1 inf abc", sp, " ")
    for (b = 1; b <= 5; b++) printf "spell_seconds_bucket{le=\"%s\"} %d %d\n", sp[b], (b < 4 ? b : 4) * (i + 1), ts
    printf "dup_seconds_bucket{le=\"1\"} %d %d\ndup_seconds_bucket{le=\"1.0\"} %d %d\n", i, ts, i, ts
    printf "dup_seconds_bucket{le=\"2\"} %d %d\ndup_seconds_bucket{le=\"+Inf\"} %d %d\n", 3 * i, ts, 3 * i, ts
  }
  print "# EOF"
}' >"$WORK/hist.om"

# 2. Prometheus on a backfilled TSDB (its data directory, prometheus-data),
# overtone on the imported file.
mkdir "$WORK/prometheus-data"
timeout 120 "$PROMTOOL" tsdb create-blocks-from openmetrics "$WORK/hist.om" "$WORK/prometheus-data" \
  >"$WORK/promtool.log" 2>&1 || fail "promtool create-blocks-from openmetrics"
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prometheus.yml"
start_prometheus prometheus "$WORK/prometheus.yml"
timeout 120 "$OVERTONE" import "$WORK/db" "$WORK/hist.om" 2>"$WORK/import.log" || fail "overtone import"
start_overtone db

# A query_range answer as sorted lines "metric ts value".
flatten() {
  sed 's/{"metric":/\n/g' | tail -n +2 | while IFS= read -r s; do
    m=${s%%,\"values\":*}
    printf '%s\n' "${s#*\"values\":\[}" | sed 's/\],\[/\n/g' | tr -d '[]"}' |
      awk -F, -v m="$m" '$1 != "" { print m, $1, $2 }'
  done | LC_ALL=C sort
}
# Compares two flattened answers; prints the differences.
same_within() {
  awk 'NR == FNR { want[$1 " " $2] = $3; next }
    function num(s) { return s ~ /^[-+]?[0-9.eE+-]+$/ }
    {
      k = $1 " " $2
      if (!(k in want)) { print "overtone only: " $0; bad = 1; next }
      a = want[k]; b = $3; delete want[k]
      if (a == b) next
      if (!num(a) || !num(b)) { print k ": prometheus " a ", overtone " b; bad = 1; next }
      x = a + 0; y = b + 0
      d = x - y; if (d < 0) d = -d
      m = x < 0 ? -x : x; if ((y < 0 ? -y : y) > m) m = y < 0 ? -y : y
      if (d > 1e-9 * m + 1e-12) { print k ": prometheus " a ", overtone " b; bad = 1 }
    }
    END { for (k in want) { print "prometheus only: " k " " want[k]; bad = 1 } exit bad }' "$1" "$2"
}

# 3. The queries.
START=$((T0 + 600)) END=$((T0 + 7200 - 60)) STEP=60
compared=0
for q in \
  'histogram_quantile(0.9, sum by (le) (rate(req_seconds_bucket[5m])))' \
  'histogram_quantile(0.5, rate(req_seconds_bucket[5m]))' \
  'histogram_quantile(0.99, sum by (job, le) (increase(req_seconds_bucket[10m])))' \
  'histogram_quantile(0.25, rate(req_seconds_bucket{instance="i2"}[1m]))' \
  'histogram_quantile(0, rate(req_seconds_bucket[5m]))' \
  'histogram_quantile(1, rate(req_seconds_bucket[5m]))' \
  'histogram_quantile(0.001, req_seconds_bucket)' \
  'histogram_quantile(-0.5, req_seconds_bucket)' \
  'histogram_quantile(1.5, req_seconds_bucket)' \
  'histogram_quantile(NaN, req_seconds_bucket)' \
  'histogram_quantile(0.5, idle_seconds_bucket)' \
  'histogram_quantile(0.5, rate(idle_seconds_bucket[5m]))' \
  'histogram_quantile(0.5, noinf_seconds_bucket)' \
  'histogram_quantile(0.6, nonmono_seconds_bucket)' \
  'histogram_quantile(0.8, rate(nonmono_seconds_bucket[5m]))' \
  'histogram_quantile(0.7, spell_seconds_bucket)' \
  'histogram_quantile(0.3, spell_seconds_bucket)' \
  'histogram_quantile(0.5, dup_seconds_bucket)' \
  'histogram_quantile(scalar(sum(idle_seconds_bucket)) + time() % 7 / 7, sum by (le) (rate(req_seconds_bucket[2m])))'; do
  path="/api/v1/query_range?query=$(urlencode "$q")&start=$START&end=$END&step=$STEP"
  P=$(http_get "$PROM_PORT" "$path")
  O=$(http_get "$OT_PORT" "$path")
  echo "$P" | has '"status":"success"' || fail "prometheus: $q: $P"
  echo "$O" | has '"status":"success"' || fail "overtone: $q: $O"
  echo "$P" | flatten >"$WORK/p.txt"
  echo "$O" | flatten >"$WORK/o.txt"
  [ -s "$WORK/p.txt" ] || fail "prometheus answered no points for $q: $P"
  diffs=$(same_within "$WORK/p.txt" "$WORK/o.txt") || fail "$q differs:
$(echo "$diffs" | head -10)"
  compared=$((compared + $(wc -l <"$WORK/p.txt")))
done
echo "histogram_prometheus_test: $compared points equal to Prometheus's"
