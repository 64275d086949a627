#!/usr/bin/env bash
# Several nodes (issue 12), in one run on this machine: one node on SQLite next to one, two and
# three nodes on one PostgreSQL database.
#  1. Durable posts/s: wrk against every node at once (each with its own vehicle). Every 201 is a
#     committed message, so 2xx/s are durable posts/s.
#  2. Fan-out: FOLLOWERS followers of one vehicle, spread round robin over the nodes, and
#     MESSAGES posts at RATE/s made on the first node (paddock_fanout_client --stream-ports):
#     deliveries/s, p50/p99 latency from post to delivery, missing deliveries, and the servers'
#     CPU (all nodes) with deliveries per server CPU-second.
# PostgreSQL runs durable (fsync and synchronous_commit on, scripts/pg-test-cluster.sh with
# PADDOCK_PG_DURABLE=1) on a Unix socket.
#
#   bench/pg_nodes_bench.sh   DURATION=10s CONNECTIONS=64 (per node) WRK_THREADS=2
#                             FOLLOWERS=2000 MESSAGES=200 RATE=100 CLIENT_THREADS=1
set -euo pipefail
cd "$(dirname "$0")/.."
REPO_ROOT=$PWD
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
PADDOCK_BIN=${PADDOCK_BIN:-build/release/paddock}
CLIENT_BIN=${CLIENT_BIN:-build/release/paddock_fanout_client}
FOLLOWERS=${FOLLOWERS:-2000}
MESSAGES=${MESSAGES:-200}
RATE=${RATE:-100}
CLIENT_THREADS=${CLIENT_THREADS:-1}
export PADDOCK_PASSWORD_HASH=min PADDOCK_LOG_LEVEL=warn
export PADDOCK_MAX_CONNECTIONS=20000 PADDOCK_MAX_CONNECTIONS_PER_ADDRESS=20000
[[ -x $CLIENT_BIN ]] || { echo "$CLIENT_BIN missing: make bench builds it" >&2; exit 1; }
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
  NODE_PID[$name]=$!
  for _ in $(seq 100); do
    local port
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/$name.out" 2>/dev/null || true)
    [[ -n $port ]] && { PORT=$port; return; }
    sleep 0.1
  done
  echo "node $name did not start: $(tail -3 "$WORK/$name.err")" >&2
  exit 1
}

declare -A NODE_PID

# cpu_ticks PID...: user+system clock ticks the processes have used so far.
cpu_ticks() {
  local total=0
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
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

# fanout NAME PUBLISH_PORT STREAM_PORTS PID...: prints "deliveries/s p50 p99 missing cpu_s per_cpu_s".
fanout() {
  local name=$1 port=$2 streams=$3
  shift 3
  local before after out="$WORK/fanout-$name.json"
  before=$(cpu_ticks "$@")
  timeout 300 "$CLIENT_BIN" run --port "$port" --stream-ports "$streams" \
    --connections "$FOLLOWERS" --messages "$MESSAGES" --rate "$RATE" --tokens "$WORK/tokens.txt" \
    --threads "$CLIENT_THREADS" >"$out" 2>"$out.err" || {
    echo "fan-out $name failed: $(tail -3 "$out.err")" >&2
    exit 1
  }
  after=$(cpu_ticks "$@")
  /usr/bin/python3 - "$out" "$before" "$after" "$(getconf CLK_TCK)" <<'PY'
import json, sys
run = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
cpu = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
print("%.0f %.1f %.1f %d %.2f %.0f" % (run["deliveries_per_s"], run["p50_ms"], run["p99_ms"],
      run["missing"], cpu, run["deliveries"] / cpu if cpu else 0))
PY
}

start_node sqlite
sqlite_rate=$(posts sqlite "$PORT")
sqlite_port=$PORT
timeout 600 "$CLIENT_BIN" setup --port "$sqlite_port" --followers "$FOLLOWERS" \
  --tokens "$WORK/tokens.txt" >/dev/null 2>"$WORK/setup.err" || { cat "$WORK/setup.err" >&2; exit 1; }
sqlite_fanout=$(fanout sqlite "$sqlite_port" "$sqlite_port" "${NODE_PID[sqlite]}")
kill "${NODE_PID[sqlite]}"

PADDOCK_PG_DURABLE=1 scripts/pg-test-cluster.sh start "$WORK/pg.state" >/dev/null
socket=$(sed -n 's/^dir=//p' "$WORK/pg.state")
database="postgresql://paddock@/postgres?host=$socket"
start_node pg1 --database "$database"
pg1=$PORT
pg_rate=$(posts pg-one "$pg1")
# Every node signs with the same issuer keys (README, "What every node needs").
for n in pg2 pg3; do
  mkdir -p "$WORK/$n" && install -m 600 "$WORK/pg1/issuer-keys.toml" "$WORK/$n/issuer-keys.toml"
done
start_node pg2 --database "$database"
pg2=$PORT
pg_two_rate=$(posts pg-two "$pg1" "$pg2")
start_node pg3 --database "$database"
pg3=$PORT
pg_three_rate=$(posts pg-three "$pg1" "$pg2" "$pg3")

timeout 600 "$CLIENT_BIN" setup --port "$pg1" --followers "$FOLLOWERS" \
  --tokens "$WORK/tokens.txt" >/dev/null 2>"$WORK/setup.err" || { cat "$WORK/setup.err" >&2; exit 1; }
pids="${NODE_PID[pg1]} ${NODE_PID[pg2]} ${NODE_PID[pg3]}"
# shellcheck disable=SC2086
{
  pg_one_fanout=$(fanout pg-one "$pg1" "$pg1" $pids)
  pg_two_fanout=$(fanout pg-two "$pg1" "$pg1,$pg2" $pids)
  pg_three_fanout=$(fanout pg-three "$pg1" "$pg1,$pg2,$pg3" $pids)
}

echo "commit $(git rev-parse --short HEAD); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "durable posts/s (wrk -t$WRK_THREADS -c$CONNECTIONS per node, $DURATION, every node at once)"
printf '  SQLite, one node:                   %s\n' "$sqlite_rate"
printf '  PostgreSQL 15, one node:            %s\n' "$pg_rate"
printf '  PostgreSQL 15, two nodes (sum):     %s\n' "$pg_two_rate"
printf '  PostgreSQL 15, three nodes (sum):   %s\n' "$pg_three_rate"
echo "fan-out: $FOLLOWERS followers spread over the nodes, $MESSAGES posts at $RATE/s on the first node"
echo "  setup                          deliveries/s  p50 ms  p99 ms  missing  server CPU s  deliveries per server CPU-s"
for row in "SQLite, one node|$sqlite_fanout" "PostgreSQL, one node|$pg_one_fanout" \
           "PostgreSQL, two nodes|$pg_two_fanout" "PostgreSQL, three nodes|$pg_three_fanout"; do
  IFS='|' read -r label figures <<<"$row"
  read -r rate p50 p99 missing cpu per_cpu <<<"$figures"
  printf '  %-29s %13s %7s %7s %8s %13s %28s\n' "$label" "$rate" "$p50" "$p99" "$missing" "$cpu" "$per_cpu"
done
