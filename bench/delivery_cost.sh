#!/usr/bin/env bash
# Server CPU per delivery, user and kernel apart, Paddock and uWebSockets taking turns. One
# vehicle posts to FOLLOWERS WebSocket followers at a rate both servers keep up with, so every
# event leaves in its own write and the cost per delivery shows. (At 10,000 followers on two
# cores the client lags, and write batching, not the server's cost, sets deliveries per CPU-s:
# docs/PERFORMANCE.md, "Issue 13, sixth look".) See bench/README.md.
#
# Sets up FOLLOWERS followers once. Then per round and server: a fresh server, FOLLOWERS streams
# connected, and `perf record -e cpu-clock -F 4999` on the server from "connected" to the
# client's exit while MESSAGES are posted at RATE per second. Samples in the kernel and out of
# it, over deliveries, give µs of server CPU per delivery (CPU time from /proc comes in 10 ms
# ticks, too coarse to split runs this short).
#
# Environment:
#   FOLLOWERS=1000  MESSAGES=300  RATE=50  ROUNDS=3
#   PADDOCK_BIN=build/release/paddock  CLIENT_BIN=build/release/paddock_fanout_client
#   PADDOCK_BIN_B=...   a second paddock binary ("paddock-b"), taking its turn after the first on
#                   the same data: a before/after comparison within one run
#   UWS_PEER_DIR=../shared/peers/uws_broadcast  UWS_BIN=...   as in bench/fanout_bench.sh
#   KEEP_WORK=1     keep the temp dir (perf data, client output, logs)
set -euo pipefail

cd "$(dirname "$0")/.."
REPO_ROOT=$PWD
FOLLOWERS=${FOLLOWERS:-1000}
MESSAGES=${MESSAGES:-300}
RATE=${RATE:-50}
ROUNDS=${ROUNDS:-3}
PADDOCK_BIN=${PADDOCK_BIN:-build/release/paddock}
CLIENT_BIN=${CLIENT_BIN:-build/release/paddock_fanout_client}
PADDOCK_BIN_B=${PADDOCK_BIN_B:-}
UWS_PEER_DIR=${UWS_PEER_DIR:-$REPO_ROOT/../shared/peers/uws_broadcast}
UWS_BIN=${UWS_BIN:-}
KEEP_WORK=${KEEP_WORK:-0}
export PADDOCK_LOG_LEVEL=${PADDOCK_LOG_LEVEL:-warn}
export PADDOCK_PASSWORD_HASH=${PADDOCK_PASSWORD_HASH:-min}  # fast sign-ups for the setup
export PADDOCK_MAX_CONNECTIONS=${PADDOCK_MAX_CONNECTIONS:-$((FOLLOWERS + 1000))}
export PADDOCK_MAX_CONNECTIONS_PER_ADDRESS=${PADDOCK_MAX_CONNECTIONS_PER_ADDRESS:-$PADDOCK_MAX_CONNECTIONS}
readonly SAMPLE_HZ=4999

BENCH_NAME=delivery-cost
source bench/lib.sh

scripts/install-deps.sh --bench
command -v perf >/dev/null || die "perf not found after scripts/install-deps.sh --bench"
require_binaries "$PADDOCK_BIN" "$CLIENT_BIN" ${PADDOCK_BIN_B:+"$PADDOCK_BIN_B"}
raise_open_files "$FOLLOWERS"
SOURCES=${SOURCES:-$(loopback_sources "$FOLLOWERS")}

WORK=$(mktemp -d -t paddock-cost.XXXXXX)
SERVER_PID="" CLIENT_PID="" PERF_PID=""
cleanup_on_exit PERF_PID CLIENT_PID SERVER_PID

SERVERS=(paddock)
[[ -z $PADDOCK_BIN_B ]] || SERVERS+=(paddock-b)
find_uws "$WORK"
[[ -z $UWS_BIN ]] || SERVERS+=(uws)

# start_server NAME: SERVER_PID and PORT of a fresh server.
start_server() {
  if [[ $1 == paddock* ]]; then
    local bin=$PADDOCK_BIN
    [[ $1 == paddock ]] || bin=$PADDOCK_BIN_B
    "$bin" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/$1.out" \
      2>>"$WORK/$1.out.err" &
  else
    "$UWS_BIN" 0 "$(server_threads)" >"$WORK/uws.out" 2>>"$WORK/uws.out.err" &
  fi
  SERVER_PID=$!
  PORT=$(wait_port "$WORK/$1.out" "$SERVER_PID" "$1")
}

# measure NAME ROUND: one run; appends "user kernel" µs per delivery to $WORK/NAME.costs.
measure() {
  local name=$1 round=$2 out="$WORK/run-$1-$2.json" data="$WORK/perf-$1-$2.data"
  local target=(--tokens "$WORK/tokens.txt")
  [[ $name == paddock* ]] || target=(--target node)
  start_server "$name"
  "$CLIENT_BIN" run --port "$PORT" --connections "$FOLLOWERS" --messages "$MESSAGES" \
    --rate "$RATE" --sources "$SOURCES" "${target[@]}" >"$out" 2>"$out.err" &
  CLIENT_PID=$!
  until grep -q '"phase":"connected"' "$out" 2>/dev/null; do
    kill -0 "$CLIENT_PID" 2>/dev/null || die "client failed: $(cat "$out.err")"
    sleep 0.02
  done
  perf record -q -e cpu-clock -F "$SAMPLE_HZ" -p "$SERVER_PID" -o "$data" >/dev/null 2>&1 &
  PERF_PID=$!
  wait "$CLIENT_PID" || die "client failed: $(cat "$out.err")"
  CLIENT_PID=""
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=""
  stop "$SERVER_PID"
  SERVER_PID=""
  local deliveries missing
  deliveries=$(grep '"mode"' "$out" | sed -n 's/.*"deliveries":\([0-9]*\).*/\1/p')
  missing=$(grep '"mode"' "$out" | sed -n 's/.*"missing":\([0-9]*\).*/\1/p')
  [[ -n $deliveries && $deliveries -gt 0 ]] || die "$name round $round delivered nothing"
  [[ $missing == 0 ]] || log "warning: $name round $round: $missing deliveries missing"
  # Kernel samples name [kernel.kallsyms]; everything else ran in the server's user space.
  perf script -i "$data" -F ip,dso 2>/dev/null |
    awk -v n="$deliveries" -v hz="$SAMPLE_HZ" '
      /kernel/ { k++; next } { u++ }
      END { printf "%.3f %.3f\n", u / hz / n * 1e6, k / hz / n * 1e6 }' >>"$WORK/$name.costs"
  log "$name round $round: $(tail -1 "$WORK/$name.costs") µs user, kernel per delivery" \
    "($deliveries deliveries)"
}

mkdir -p "$WORK/data"
chmod 700 "$WORK/data"
start_server paddock
log "creating $FOLLOWERS followers"
timeout 900 "$CLIENT_BIN" setup --port "$PORT" --followers "$FOLLOWERS" --tokens "$WORK/tokens.txt" \
  >"$WORK/setup.json" 2>"$WORK/setup.err" || die "setup failed: $(tail -5 "$WORK/setup.err")"
stop "$SERVER_PID"
SERVER_PID=""

for round in $(seq "$ROUNDS"); do
  for name in "${SERVERS[@]}"; do measure "$name" "$round"; done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
echo "server CPU per delivery, $FOLLOWERS followers, $MESSAGES messages at $RATE/s," \
  "$ROUNDS rounds (perf cpu-clock samples at $SAMPLE_HZ Hz; medians, then every round):"
declare -A USER KERNEL
for name in "${SERVERS[@]}"; do
  USER[$name]=$(cut -d' ' -f1 "$WORK/$name.costs" | median)
  KERNEL[$name]=$(cut -d' ' -f2 "$WORK/$name.costs" | median)
  printf '  %-9s user %s µs  kernel %s µs   (user: %s; kernel: %s)\n' "$name" \
    "${USER[$name]}" "${KERNEL[$name]}" "$(cut -d' ' -f1 "$WORK/$name.costs" | paste -sd' ')" \
    "$(cut -d' ' -f2 "$WORK/$name.costs" | paste -sd' ')"
done
# ratio A B: A's medians over B's.
ratio() {
  awk -v a="$1" -v b="$2" -v au="${USER[$1]}" -v ak="${KERNEL[$1]}" -v bu="${USER[$2]}" \
    -v bk="${KERNEL[$2]}" 'BEGIN { printf "  %s / %s: user %.2f x, user + kernel %.2f x\n",
      a, b, au / bu, (au + ak) / (bu + bk) }'
}
[[ -z $PADDOCK_BIN_B ]] || ratio paddock-b paddock
if [[ -n $UWS_NOTE ]]; then
  echo "  $UWS_NOTE"
else
  ratio paddock uws
  [[ -z $PADDOCK_BIN_B ]] || ratio paddock-b uws
fi
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, $(server_threads) I/O threads per server," \
  "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"
