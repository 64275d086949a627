#!/usr/bin/env bash
# Durable posts per second: one node on SQLite, one node on PostgreSQL, and two nodes on one
# PostgreSQL database (wrk against both at once), on this machine, in one run. PostgreSQL runs
# durable (fsync and synchronous_commit on, scripts/pg-test-cluster.sh with PADDOCK_PG_DURABLE=1)
# on a Unix socket. Every 201 is a committed message, so 2xx/s are durable posts/s.
#
#   bench/pg_posts_bench.sh          DURATION=10s CONNECTIONS=64 (per node) WRK_THREADS=2
set -euo pipefail
cd "$(dirname "$0")/.."
REPO_ROOT=$PWD
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
PADDOCK_BIN=${PADDOCK_BIN:-build/release/paddock}
export PADDOCK_PASSWORD_HASH=min PADDOCK_LOG_LEVEL=warn
command -v wrk >/dev/null || { echo "wrk missing: scripts/install-deps.sh --bench" >&2; exit 1; }

WORK=$(mktemp -d /tmp/paddock-pgbench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/pg-test-cluster.sh stop "$WORK/pg.state" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_node NAME [ARGS]: sets PORT (not in a subshell: PIDS must keep the node for cleanup).
start_node() {
  local name=$1
  shift
  mkdir -p "$WORK/$name"
  "$PADDOCK_BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/$name" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=($!)
  for _ in $(seq 100); do
    local port
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/$name.out" 2>/dev/null || true)
    [[ -n $port ]] && { PORT=$port; return; }
    sleep 0.1
  done
  echo "node $name did not start: $(tail -3 "$WORK/$name.err")" >&2
  exit 1
}

# setup PORT: an owner and a vehicle; prints "TOKEN VEHICLE".
setup() {
  local port=$1 user="bench$RANDOM$RANDOM"
  curl -sf -XPOST "127.0.0.1:$port/v1/users" -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"bench-password-123\"}" >/dev/null
  local token vehicle
  token=$(curl -sf -XPOST "127.0.0.1:$port/v1/sessions" -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"bench-password-123\"}" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  vehicle=$(curl -sf -XPOST "127.0.0.1:$port/v1/vehicles" -H 'content-type: application/json' \
    -H "authorization: Bearer $token" \
    -d "{\"plate\":{\"number\":\"B$RANDOM$RANDOM\",\"region\":\"CN\"}}" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  echo "$token $vehicle"
}

# posts NAME PORT...: runs wrk against every port at once; prints total durable posts/s.
posts() {
  local name=$1
  shift
  local i=0 outs=() wrks=()
  for port in "$@"; do
    read -r token vehicle < <(setup "$port")
    PADDOCK_TOKEN=$token PADDOCK_VEHICLE=$vehicle wrk -t"$WRK_THREADS" -c"$CONNECTIONS" \
      -d"$DURATION" --latency -s bench/post_message.lua "http://127.0.0.1:$port" \
      >"$WORK/wrk-$name-$i.txt" 2>&1 &
    wrks+=($!)
    outs+=("$WORK/wrk-$name-$i.txt")
    i=$((i + 1))
  done
  wait "${wrks[@]}"
  local total=0
  for out in "${outs[@]}"; do
    local rate
    rate=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$out")
    total=$(awk -v a="$total" -v b="$rate" 'BEGIN { printf "%.0f", a + b }')
    if grep -q "Non-2xx" "$out"; then echo "  $name: $(grep Non-2xx "$out")" >&2; fi
  done
  echo "$total"
}

start_node sqlite
sqlite_rate=$(posts sqlite "$PORT")
kill "${PIDS[0]}"

PADDOCK_PG_DURABLE=1 scripts/pg-test-cluster.sh start "$WORK/pg.state" >/dev/null
socket=$(sed -n 's/^dir=//p' "$WORK/pg.state")
database="postgresql://paddock@/postgres?host=$socket"
start_node pg1 --database "$database"
pg1=$PORT
pg_rate=$(posts pg-one "$pg1")
# Every node signs with the same issuer keys (README, "What every node needs").
mkdir -p "$WORK/pg2" && install -m 600 "$WORK/pg1/issuer-keys.toml" "$WORK/pg2/issuer-keys.toml"
start_node pg2 --database "$database"
pg2=$PORT
pg_two_rate=$(posts pg-two "$pg1" "$pg2")

echo "durable posts/s (wrk -t$WRK_THREADS -c$CONNECTIONS per node, $DURATION), commit $(git rev-parse --short HEAD)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
printf '  SQLite, one node:                 %s\n' "$sqlite_rate"
printf '  PostgreSQL 15, one node:          %s\n' "$pg_rate"
printf '  PostgreSQL 15, two nodes at once: %s (sum)\n' "$pg_two_rate"
