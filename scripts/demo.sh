#!/usr/bin/env bash
# Builds overtone, fills ./demo.db with a day of demo metrics the first time,
# and opens the interactive SQL shell on it.
#
#   bash scripts/demo.sh            # shell on ./demo.db
#   DEMO_DB=/tmp/x bash scripts/demo.sh
# BUILD_DIR (default build) and BUILD_TYPE as for build.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEMO_DB="${DEMO_DB:-demo.db}"
OVERTONE="${BUILD_DIR:-build}/shell/overtone"

# A day of a 10-host fleet at a 15 s scrape interval (70 series, 403,200
# samples), ending now, from the built-in workload emulator; then everything
# closed is sealed into segments.
load_demo_data() {
  "$OVERTONE" emulate --hosts 10 --duration 24h --db "$DEMO_DB"
  "$OVERTONE" compact "$DEMO_DB"
}

# Exit status 0 when DEMO_DB has no series; exits the script if the shell fails.
demo_db_is_empty() {
  local out
  if ! out="$("$OVERTONE" "$DEMO_DB" "SELECT 'demo_series=' || count(*) FROM series;")"; then
    echo "demo: cannot query $DEMO_DB" >&2
    exit 1
  fi
  grep -q 'demo_series=0' <<<"$out"
}

bash scripts/setup.sh
bash scripts/build.sh

if demo_db_is_empty; then
  echo "demo: loading a day of demo metrics into $DEMO_DB"
  load_demo_data   # ends with a plot of the fleet's cpu and the console link
else
  "$OVERTONE" "$DEMO_DB" ".plot promql 'avg by (role) (cpu_usage_percent)' 24h"
  echo "demo: see it in the web console: $OVERTONE serve $DEMO_DB, then open http://127.0.0.1:9201/graph"
fi

cat <<'TIP'
demo: try
  SELECT metric, labels FROM series;
  SELECT ts, value FROM samples WHERE selector = 'cpu_usage_percent{host="web-001"}' LIMIT 5;
  SELECT json_extract(labels, '$.host') AS host, round(avg(value), 2)
    FROM samples WHERE metric = 'cpu_usage_percent' GROUP BY 1;
  .plot promql 'max by (role) (rate(http_requests_total[5m]))' 6h
  SELECT codec, count(*), round(sum(bytes) * 1.0 / sum(samples), 2) FROM segments GROUP BY 1;
  SELECT labels, value FROM over_time('max', 'cpu_usage_percent', unixepoch() * 1000, unixepoch() * 1000, 1, 86400000);
TIP
exec "$OVERTONE" "$DEMO_DB"
