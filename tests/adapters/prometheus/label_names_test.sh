#!/usr/bin/env bash
# Label names outside Prometheus's rule ([a-zA-Z_][a-zA-Z0-9_]*), against a
# real Prometheus (Debian's 2.42):
#  1. remote write: Prometheus 2.42's receiver stores a series whatever its
#     label names (service.name, ~bad, 1a: 204, and /api/v1/series lists
#     them); overtone refuses such a series with 400 naming the label (the
#     sender does not retry) and stores the valid series sent with it;
#  2. PromQL: label_replace and label_join to or from such a name and
#     count_values with one fail in both, with the same error type and text.
# Every process is killed on any exit. Exits 77 (skipped) only when no
# prometheus binary is installed.
#
#   label_names_test.sh OVERTONE_BINARY REMOTE_WRITE_PROBE
set -euo pipefail
OVERTONE=$1
PROBE=$2
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
if [ -z "$PROMETHEUS" ]; then
  echo "SKIP: no prometheus binary (apt-get install prometheus; scripts/setup.sh does)"
  exit 77
fi
source "$(dirname "${BASH_SOURCE[0]}")/../../support/peers.sh"

printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prometheus.yml"
start_prometheus prometheus "$WORK/prometheus.yml" --web.enable-remote-write-receiver
start_overtone db

# 1. Remote write.
expect_write() {  # PORT LABELS STATUS [BODY_PART]
  local got
  got=$("$PROBE" "$1" "$2") || fail "probe $2"
  [ "${got%% *}" = "$3" ] || fail "remote write of $2 to port $1: want $3, got: $got"
  [ -z "${4:-}" ] || [[ $got == *"$4"* ]] || fail "remote write of $2 to port $1: no '$4' in: $got"
}
expect_write "$PROM_PORT" "__name__=lbl_good,job=x" 204
expect_write "$OT_PORT" "__name__=lbl_good,job=x" 204
for bad in service.name '~bad' 1a; do
  expect_write "$PROM_PORT" "__name__=lbl_bad,$bad=x" 204
  expect_write "$OT_PORT" "__name__=lbl_bad,$bad=x" 400 "invalid label name \"$bad\""
done
# In one request with a valid series, overtone keeps the valid one.
expect_write "$OT_PORT" "__name__=lbl_mixed,job=x" 204
expect_write "$OT_PORT" "__name__=lbl_mixed,job=y" 204
"$PROBE" "$OT_PORT" "__name__=lbl_also,job=x" "__name__=lbl_also,a.b=x" | has '^400 ' ||
  fail "a request with one bad series is not 400"

SERIES="/api/v1/series?match[]=$(urlencode '{__name__=~"lbl_.*"}')"
P=$(http_get "$PROM_PORT" "$SERIES")
for bad in service.name '~bad' 1a; do
  [[ $P == *"\"$bad\":\"x\""* ]] || fail "Prometheus 2.42 did not store the label $bad: $P"
done
O=$(http_get "$OT_PORT" "$SERIES")
[[ $O == *'"lbl_good"'* && $O == *'"lbl_also"'* ]] || fail "overtone lost a valid series: $O"
[[ $O != *'lbl_bad'* && $O != *'"a.b"'* ]] || fail "overtone stored an invalid label name: $O"

# 2. PromQL creating such names: the same error from both.
errors() { grep -o '"\(status\|errorType\|error\)":"[^"]*"' | sort | tr '\n' ' '; }
T=$(date +%s)
for q in 'label_replace(lbl_good, "~invalid", "v", "job", ".*")' \
         'label_replace(lbl_good, "service.name", "v", "job", ".*")' \
         'label_join(lbl_good, "~invalid", ",", "job")' \
         'label_join(lbl_good, "dst", ",", "1a")' \
         'count_values("a-b", lbl_good)'; do
  path="/api/v1/query?query=$(urlencode "$q")&time=$T"
  P=$(http_get "$PROM_PORT" "$path" | errors)
  O=$(http_get "$OT_PORT" "$path" | errors)
  [[ $P == *'"status":"error"'* ]] || fail "Prometheus accepted $q: $P"
  [ "$P" = "$O" ] || fail "$q:
  Prometheus: $P
  overtone:   $O"
done
echo "label_names_test: Prometheus 2.42 stores invalid label names from remote write, overtone refuses them; PromQL errors agree"
