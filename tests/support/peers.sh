# Shared by the script tests that run overtone beside real peers
# (Prometheus, ...): a work directory, processes killed on any exit, free
# loopback ports, HTTP without curl, and starting `overtone serve` and
# `prometheus` on throwaway configuration.
#
#   source "$(dirname "$0")/../../support/peers.sh"   # sets WORK, traps EXIT
#   start_overtone shard1          # -> OT_PORT, OT_PID; database in $WORK/shard1
#   start_prometheus a "$WORK/a.yml"           # -> PROM_PORT, PROM_PID
#   http_get "$PROM_PORT" /api/v1/query?query=up   # the body; http METHOD PORT PATH [BODY] likewise
#   http_post "$OT_PORT" /api/v1/import/prometheus 'x 1'   # status line, then body
#   http_status GET "$OT_PORT" /api/v1/rules?type=x       # the same for any method
#   http_form "$OT_PORT" /api/v1/sql "query=$(urlencode 'SELECT 1')"   # a form POST: the body
#   metric "$OT_PORT" overtone_queries_running            # a value on /metrics
#   stop_wait "$OT_PID" || echo "exit status $?"          # SIGTERM, wait, its exit status
#
# fail prints the tail of every log in $WORK and exits 1.

WORK=$(mktemp -d)
PIDS=()
SOFT_PIDS=()  # of PIDS, those that get SIGTERM first (a driver that stops its browsers)
peers_cleanup() {
  for pid in "${SOFT_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  for pid in "${PIDS[@]}"; do
    # wait: reaps a child quietly (bash would report it "Killed").
    { kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; } || true
  done
  rm -rf "$WORK"
}
trap peers_cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log; do
    [ -e "$log" ] || continue
    echo "--- $log" >&2
    tail -20 "$log" >&2
  done
  exit 1
}

now_ms() { date +%s%3N; }

# `grep -q` stops reading at its first match; under pipefail the writer of a
# longer text then dies of SIGPIPE and the pipeline fails although the text
# matched. has PATTERN (grep's options allowed) reads all of its input.
has() { grep "$@" >/dev/null; }

# HTTP/1.0, so that no server answers in chunks (Prometheus does on 1.1 for
# large bodies) and the body comes whole.
http() {  # METHOD PORT PATH [BODY]: the body of the answer (bash /dev/tcp, no curl needed)
  local method=$1 port=$2 path=$3 body=${4:-}
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s' \
    "$method" "$path" "${HTTP_CONTENT_TYPE:-text/plain}" "${#body}" "$body" >&3
  timeout 20 cat <&3 | sed '1,/^\r$/d'
  exec 3<&-
}
http_get() { http GET "$1" "$2"; }  # PORT PATH
http_form() { HTTP_CONTENT_TYPE=application/x-www-form-urlencoded http POST "$1" "$2" "$3"; }  # PORT PATH BODY

http_status() {  # METHOD PORT PATH [BODY]: the status line (HTTP/1.1 ...) and the body
  local method=$1 port=$2 path=$3 body=${4:-}
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$method" "$path" "${#body}" "$body" >&3
  timeout 10 cat <&3 | sed '2,/^\r$/d'
  exec 3<&-
}
http_post() { http_status POST "$1" "$2" "$3"; }  # PORT PATH BODY: the status line and body of a POST

metric() {  # PORT NAME: the value of NAME (labels included, as written) on /metrics
  http_get "$1" /metrics | awk -v m="$2" '$1 == m {print $2}'
}

urlencode() {
  local LC_ALL=C s=$1 out= c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9.~_-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  echo "$out"
}

free_port() {  # a port nothing listens on now
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  return 1
}

wait_ready() {  # PORT PATH PID: until PATH answers "ready"/"OK" (20 s), or PID dies
  local port=$1 path=$2 pid=$3
  for _ in $(seq 100); do
    http_get "$port" "$path" 2>/dev/null | has -i 'ready\|ok' && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# start_overtone NAME [SERVE ARGS...]: `overtone serve $WORK/NAME` on a port
# the kernel picks; sets OT_PORT and OT_PID. Needs $OVERTONE.
start_overtone() {
  local name=$1
  shift
  rm -f "$WORK/$name.port"
  "$OVERTONE" serve "$WORK/$name" --listen 127.0.0.1:0 --port-file "$WORK/$name.port" "$@" \
    2>"$WORK/$name.log" &
  OT_PID=$!  # not disowned: `wait "$OT_PID"` gives its exit status
  PIDS+=("$OT_PID")
  for _ in $(seq 100); do [ -s "$WORK/$name.port" ] && break; sleep 0.1; done
  [ -s "$WORK/$name.port" ] || fail "overtone serve $name did not start"
  OT_PORT=$(cat "$WORK/$name.port")
}

# try_start_prometheus NAME CONFIG PORT [FLAGS...]: Prometheus with its TSDB
# in $WORK/NAME-data on PORT, and any further flags; sets PROM_PORT and PROM_PID. Status 1 when it did
# not become ready (the port taken meanwhile, say). Needs $PROMETHEUS.
try_start_prometheus() {
  local name=$1 config=$2
  PROM_PORT=$3
  shift 3
  "$PROMETHEUS" --config.file="$config" --storage.tsdb.path="$WORK/$name-data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn "$@" >"$WORK/$name.log" 2>&1 &
  PROM_PID=$!
  PIDS+=("$PROM_PID")
  disown "$PROM_PID"  # killed by peers_cleanup; no job-control noise
  wait_ready "$PROM_PORT" /-/ready "$PROM_PID" && return 0
  kill -KILL "$PROM_PID" 2>/dev/null || true
  return 1
}

# start_prometheus NAME CONFIG: as above on a free port, tried three times
# in case another process takes the port between the choice and the bind.
# A Prometheus whose config names its own port (to scrape itself) picks the
# port, writes the config and calls try_start_prometheus in such a loop.
start_prometheus() {  # NAME CONFIG [FLAGS...]
  local name=$1 config=$2
  shift 2
  for _ in 1 2 3; do
    try_start_prometheus "$name" "$config" "$(free_port)" "$@" && return 0
  done
  fail "prometheus $name did not become ready"
}

# stop PID [SECONDS]: SIGTERM, then wait for it to exit (default 30 s).
stop() {
  local pid=$1 secs=${2:-30}
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq $((secs * 10))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

# forget PID: a process that has been waited for is not killed at exit
# (its pid may belong to another process by then).
forget() {
  local p kept=() soft=()
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  for p in "${SOFT_PIDS[@]}"; do [ "$p" = "$1" ] || soft+=("$p"); done
  PIDS=("${kept[@]}")
  SOFT_PIDS=("${soft[@]}")
}

# stop_wait PID [SECONDS]: stop, then the exit status of PID (a child of
# this shell); 124 when it did not stop in time.
stop_wait() {
  stop "$@" || return 124
  local rc=0
  wait "$1" 2>/dev/null || rc=$?
  forget "$1"
  return "$rc"
}

# start_process NAME COMMAND...: COMMAND in the background, its stderr in
# $WORK/NAME.log, killed at exit; sets LAST_PID.
start_process() {
  local name=$1
  shift
  "$@" 2>"$WORK/$name.log" &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}
