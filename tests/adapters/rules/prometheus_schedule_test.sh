#!/usr/bin/env bash
# Group schedules as Prometheus's: Debian's Prometheus 2.42 and `overtone
# serve --rules` run the same rule file (same path: the hash covers it);
# the samples each writes for a group fall on the same offset within the
# group's interval (Group.EvalTimestamp: hash(name, file) % interval).
#
#   prometheus_schedule_test.sh OVERTONE
# Exit 77 (skipped) when prometheus is not installed.
set -euo pipefail
OVERTONE=$1
PROMETHEUS=$(command -v prometheus || true)
[ -n "$PROMETHEUS" ] || { echo "no prometheus (Debian package prometheus); skipped"; exit 77; }

source "$(dirname "${BASH_SOURCE[0]}")/../../support/peers.sh"

# The timestamp (ms) of METRIC's latest sample, "" if none: timestamp(METRIC).
sample_ms() {  # PORT METRIC
  local v
  v=$(http_get "$1" "/api/v1/query?query=timestamp($2)" | sed -nE 's/.*"value":\[[0-9.]+,"([0-9.]+)"\].*/\1/p')
  [ -n "$v" ] || return 0
  local s=${v%%.*} f=
  [[ $v == *.* ]] && f=${v#*.}
  f=${f}000
  echo $((s * 1000 + 10#${f:0:3}))
}

INTERVAL_S=7
RULES="$WORK/schedule_rules.yml"
{
  echo "groups:"
  for g in alpha beta gamma delta; do
    printf '  - name: %s\n    interval: %ss\n    rules:\n      - record: sched_%s\n        expr: vector(1)\n' \
      "$g" "$INTERVAL_S" "$g"
  done
} >"$RULES"
printf 'global:\n  evaluation_interval: %ss\nrule_files: ["%s"]\n' "$INTERVAL_S" "$RULES" >"$WORK/prometheus.yml"

start_prometheus prometheus "$WORK/prometheus.yml"
start_overtone db --rules "$RULES"

interval_ms=$((INTERVAL_S * 1000))
offsets=()
for g in alpha beta gamma delta; do
  p= o=
  for _ in $(seq 150); do
    p=$(sample_ms "$PROM_PORT" "sched_$g")
    o=$(sample_ms "$OT_PORT" "sched_$g")
    [ -n "$p" ] && [ -n "$o" ] && break
    sleep 0.2
  done
  [ -n "$p" ] || fail "prometheus wrote no sched_$g"
  [ -n "$o" ] || fail "overtone wrote no sched_$g"
  echo "group $g: prometheus slot offset $((p % interval_ms)) ms, overtone $((o % interval_ms)) ms"
  [ $((p % interval_ms)) -eq $((o % interval_ms)) ] || fail "group $g is evaluated on other slots than Prometheus's"
  offsets+=($((p % interval_ms)))
done
echo "prometheus_schedule_test: OK (offsets ${offsets[*]} of ${interval_ms} ms)"
