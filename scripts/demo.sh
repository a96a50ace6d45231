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

# 3 hosts x 2 metrics x 24 h at a 15 s scrape interval (34,560 samples),
# ending now, written with one SQL statement through the shell:
#   cpu_usage_percent{instance,job="node"}  a daily sine + deterministic noise
#   http_requests_total{instance,job="api"} a counter with a daily traffic curve
# The `overtone emulate` subcommand will replace this function.
load_demo_data_with_sql() {
  # wave TS: the daily curve in [-1, 1] at timestamp TS (ms). Debian's SQLite
  # has the math functions; without them, a parabola approximates the sine.
  local wave_fn
  if "$OVERTONE" "$DEMO_DB" "SELECT sin(pi());" >/dev/null 2>&1; then
    wave_fn=sine
  else
    wave_fn=parabola
  fi
  wave() {
    local p="((($1) % 86400000) / 86400000.0)"
    if [ "$wave_fn" = sine ]; then
      echo "sin(2 * pi() * $p)"
    else
      echo "(CASE WHEN $p < 0.5 THEN 8 * $p * (1 - 2 * $p)
                 ELSE -8 * ($p - 0.5) * (2 - 2 * $p) END)"
    fi
  }
  # noise I H: deterministic pseudo-random in [0, 1) for step I of host H.
  noise() { echo "(((($1) * 2654435761 + ($2) * 40503) % 1000) / 1000.0)"; }

  "$OVERTONE" "$DEMO_DB" "
WITH RECURSIVE
  hosts(h, instance) AS (VALUES (0, 'web-1'), (1, 'web-2'), (2, 'db-1')),
  gen(h, instance, i, ts, total) AS (
    SELECT h, instance, 0,
           (CAST(strftime('%s', 'now') AS INTEGER) / 15 * 15 - 86400) * 1000, 0.0
      FROM hosts
    UNION ALL
    SELECT h, instance, i + 1, ts + 15000,
           total + CAST(20 + 15 * $(wave 'ts + 15000') + 10 * $(noise 'i + 1' h) AS INTEGER)
      FROM gen WHERE i < 5759),
  points AS (
    SELECT h, instance, ts, total, $(wave ts) AS wave, $(noise i h) AS noise FROM gen)
INSERT INTO samples(metric, labels, ts, value)
  SELECT 'cpu_usage_percent', json_object('instance', instance, 'job', 'node'), ts,
         round(max(0, min(100, 45 + 10 * h + 25 * wave + 8 * (noise - 0.5))), 2)
    FROM points
  UNION ALL
  SELECT 'http_requests_total', json_object('instance', instance, 'job', 'api'), ts, total
    FROM points;"
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
  load_demo_data_with_sql
fi

cat <<'TIP'
demo: try
  SELECT metric, labels FROM series;
  SELECT ts, value FROM samples WHERE selector = 'cpu_usage_percent{instance="web-1"}' LIMIT 5;
  SELECT metric, json_extract(labels, '$.instance') AS host, round(avg(value), 2)
    FROM samples WHERE metric = 'cpu_usage_percent' GROUP BY 1, 2;
TIP
exec "$OVERTONE" "$DEMO_DB"
