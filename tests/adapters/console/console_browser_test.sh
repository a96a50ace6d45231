#!/usr/bin/env bash
# The web console in a real browser: `overtone serve` (with a bearer token)
# on a free 127.0.0.1 port over a database that `overtone emulate` filled,
# and Debian's chromium, headless, loading the console's pages by their
# addresses (and, through chromedriver, hovering over a chart); the rules
# and alerts pages also over the rules Debian's prometheus evaluates. console_browser_checks.mjs compares what each page shows with
# what the HTTP API answers. Screenshots and DOMs are left in the working
# directory (ctest's: the build tree) as console_*.png / console_*.html.
#
#   console_browser_test.sh OVERTONE_BINARY
#
# Exit 77 (skipped) only when chromium or chromedriver is missing and cannot
# be installed.
set -euo pipefail

OVERTONE=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ARTEFACTS=$PWD
source "$HERE/../../support/peers.sh"

find_chromium() { command -v chromium || command -v chromium-browser || true; }
CHROMIUM=$(find_chromium)
DRIVER=$(command -v chromedriver || true)
if { [ -z "$CHROMIUM" ] || [ -z "$DRIVER" ]; } && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "chromium or chromedriver is missing; installing Debian's (scripts/setup.sh lists them)"
  DEBIAN_FRONTEND=noninteractive timeout 240 apt-get install -y --no-install-recommends chromium \
    chromium-driver </dev/null >"$WORK/apt.log" 2>&1 || tail -5 "$WORK/apt.log"
  CHROMIUM=$(find_chromium)
  DRIVER=$(command -v chromedriver || true)
fi
if [ -z "$CHROMIUM" ] || [ -z "$DRIVER" ]; then
  echo "SKIP: chromium and chromium-driver are not installed and could not be installed" \
    "(scripts/setup.sh installs them)"
  exit 77
fi
command -v node >/dev/null || fail "node is not installed (scripts/setup.sh installs nodejs)"
PROMETHEUS=$(command -v prometheus || true)
[ -n "$PROMETHEUS" ] || fail "prometheus is not installed (scripts/setup.sh installs it)"

# Two hours of three hosts' metrics ending at a fixed time, so the checks
# can ask the API and the page the same questions.
END=1714564800  # 2024-05-01 12:00:00 UTC
timeout 120 "$OVERTONE" emulate --hosts 3 --duration 2h --interval 15s --end "$END" --seed 7 -q \
  --db "$WORK/db" || fail "emulate"
TOKEN=console-test-token
printf '%s\n' "$TOKEN" >"$WORK/token"
start_overtone db --auth-token-file "$WORK/token"
PORT=$OT_PORT

# chromedriver, for the check that moves the pointer; retried if the port
# was taken in the meantime.
DRIVER_PID=
for _ in 1 2 3; do
  DRIVER_PORT=$(free_port) || fail "no free port"
  "$DRIVER" --port="$DRIVER_PORT" >"$WORK/chromedriver.log" 2>&1 &
  DRIVER_PID=$!
  PIDS+=("$DRIVER_PID")
  SOFT_PIDS+=("$DRIVER_PID")  # SIGTERM: it closes the browsers it started
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$DRIVER_PORT") 2>/dev/null && break
    kill -0 "$DRIVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$DRIVER_PID" 2>/dev/null && break
  forget "$DRIVER_PID"
  DRIVER_PID=
done
[ -n "$DRIVER_PID" ] || fail "chromedriver did not start: $(cat "$WORK/chromedriver.log")"

# Prometheus evaluating a rule file (a recording rule, alerts firing,
# pending and inactive): the rules and alerts pages are checked against its
# /api/v1/rules and /api/v1/alerts, the answers overtone's rules endpoints
# give in the same format.
cat >"$WORK/rules.yml" <<'RULES'
groups:
  - name: console
    interval: 1s
    rules:
      - record: job:cpu:max
        expr: max(vector(1))
      - alert: AlwaysFiring
        expr: vector(1) > 0
        labels: {severity: page}
      - alert: StaysPending
        expr: vector(2) > 0
        for: 1h
      - alert: NeverFires
        expr: vector(0) > 1
RULES
printf 'global: {evaluation_interval: 1s}\nrule_files: [%s]\n' "$WORK/rules.yml" >"$WORK/prometheus.yml"
start_prometheus prometheus "$WORK/prometheus.yml"

timeout 600 node "$HERE/console_browser_checks.mjs" "$CHROMIUM" "http://127.0.0.1:$DRIVER_PORT" \
  "http://127.0.0.1:$PORT" "$TOKEN" "$END" "$ARTEFACTS" "$WORK" "http://127.0.0.1:$PROM_PORT" || fail "the console's pages differ from the API (DOMs and screenshots: $ARTEFACTS/console_*)"

stop_wait "$DRIVER_PID" || true
stop "$PROM_PID" || true
stop_wait "$OT_PID" || fail "serve exited $? after SIGTERM"
echo "console_browser_test: graph, table, SQL, error, token, status, rules and alerts pages agree with the API"
