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

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log; do echo "--- $log" >&2; tail -20 "$log" >&2; done
  exit 1
}
http_get() {  # PORT PATH: the body
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  timeout 10 cat <&3 | sed '1,/^\r$/d'
  exec 3<&-
}
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  return 1
}
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

PROM_PORT=
for _ in 1 2 3; do
  PROM_PORT=$(free_port)
  "$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom-data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
  PIDS+=("$!")
  disown "$!"  # killed by cleanup; no job-control noise
  ready=
  for _ in $(seq 100); do
    http_get "$PROM_PORT" /-/ready 2>/dev/null | grep -qi ready && { ready=1; break; }
    sleep 0.2
  done
  [ -n "$ready" ] && break
done
[ -n "$ready" ] || fail "prometheus did not become ready"

"$OVERTONE" serve "$WORK/db" --listen 127.0.0.1:0 --port-file "$WORK/port" --rules "$RULES" 2>"$WORK/overtone.log" &
PIDS+=("$!")
disown "$!"
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || fail "overtone serve did not start"
OT_PORT=$(cat "$WORK/port")

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
