#!/usr/bin/env bash
# Fan-out benchmark for Paddock's live feed. See bench/README.md ("Fan-out benchmark").
#
# One vehicle posts to 1, 100, 1,000 and 10,000 WebSocket followers over loopback, and the same
# client does the same against two peers with the same wire contract: a minimal Node.js `ws`
# broadcast server (bench/node_broadcast) and uWebSockets (../shared/peers/uws_broadcast, built
# by its build.sh when that folder is present; the summary says so when it is absent).
# Measures, in one run:
#   1. deliveries/s, publish-to-delivery latency p50/p99/max, server CPU and deliveries per server
#      CPU-second (independent of the load generator sharing the cores) per follower count
#   2. at the largest count: the runs at RATE, saturation runs (max deliveries/s) and runs at
#      half paddock's saturation rate (the same offered load for every server), repeated with
#      the servers taking turns, judged on the median
#   3. server memory per idle follower connection (VmRSS before/after), every server
#   4. durable posts/s (wrk, POST /v1/vehicles/{id}/messages) on a vehicle without followers and
#      on the one with all the followers (none connected)
# and prints a summary table plus the machine it ran on. Everything it starts is torn down on exit.
#
# Environment:
#   FOLLOWERS="1 100 1000 10000"      follower counts; setup creates the largest once
#   MESSAGES=100  RATE=50             messages and messages/s of each fan-out run
#   SAT_MESSAGES=100  SAT_RATE=1000   the saturation run at the largest count
#   HALF_SECONDS=5                    length of the half-rate run
#   RATE_RUNS=3 SAT_RUNS=3 HALF_RUNS=5   rounds of runs at the largest count (at RATE, saturation,
#                                     half rate; one per server per round); the tables show the
#                                     median run, the summary every run
#   HOLD=3                            seconds the idle connections are held (memory reading)
#   IDLE_MIN=1000                     smallest count whose idle memory is measured (noise below)
#   CLIENT_THREADS=1                  threads of paddock_fanout_client
#   SOURCES=K                         its source addresses, 127.0.0.1 ... 127.0.0.K (default: as
#                                     many as the largest count needs, since one address reaches
#                                     a server's port from at most as many connections as the
#                                     local port range has ports)
#   DURATION=10s CONNECTIONS=64 WRK_THREADS=2 WARMUP=2s   wrk for the durable posts
#   POST_RUNS=3                       rounds of durable posts (one per vehicle per round, the
#                                     vehicles taking turns); the table shows the median round
#   PADDOCK_BIN=build/release/paddock  CLIENT_BIN=build/release/paddock_fanout_client
#   UWS_PEER_DIR=../shared/peers/uws_broadcast   the uWebSockets peer's sources (build.sh)
#   UWS_BIN=...                       a prebuilt peer binary instead (skips the build)
#   KEEP_WORK=1                       keep the temp dir (logs, raw client and wrk output)
#   STRICT=1                          exit 1 when a target is missed
# Paddock's own PADDOCK_* variables pass through (PADDOCK_LOG_LEVEL defaults to warn here).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO_ROOT=$PWD

FOLLOWERS=${FOLLOWERS:-"1 100 1000 10000"}
MESSAGES=${MESSAGES:-100}
RATE=${RATE:-50}
SAT_MESSAGES=${SAT_MESSAGES:-100}
SAT_RATE=${SAT_RATE:-1000}
HALF_SECONDS=${HALF_SECONDS:-5}
RATE_RUNS=${RATE_RUNS:-3}
SAT_RUNS=${SAT_RUNS:-3}
HALF_RUNS=${HALF_RUNS:-5}
POST_RUNS=${POST_RUNS:-3}
HOLD=${HOLD:-3}
IDLE_MIN=${IDLE_MIN:-1000}
CLIENT_THREADS=${CLIENT_THREADS:-1}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
WARMUP=${WARMUP:-2s}
PADDOCK_BIN=${PADDOCK_BIN:-build/release/paddock}
CLIENT_BIN=${CLIENT_BIN:-build/release/paddock_fanout_client}
UWS_PEER_DIR=${UWS_PEER_DIR:-$REPO_ROOT/../shared/peers/uws_broadcast}
UWS_BIN=${UWS_BIN:-}
KEEP_WORK=${KEEP_WORK:-0}
STRICT=${STRICT:-0}
export PADDOCK_LOG_LEVEL=${PADDOCK_LOG_LEVEL:-warn}
export PADDOCK_PASSWORD_HASH=${PADDOCK_PASSWORD_HASH:-min}  # fast sign-ups for the setup

TARGET_DELIVERIES=1000000  # deliveries/s to the largest follower count
TARGET_HALF_P99_MS=10      # p99 at half the saturation rate
TARGET_POSTS=30000         # durable posts/s (issue 13)
TARGET_IDLE_BYTES=2048     # server memory per idle follower (issue 13: at most 2 KiB)

BENCH_NAME=fanout-bench
source bench/lib.sh

# ---- tools and binaries --------------------------------------------------------------------
scripts/install-deps.sh --bench
command -v wrk >/dev/null || die "wrk not found after scripts/install-deps.sh --bench"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  die "node and npm are needed (apt-get install nodejs npm)"
fi
[[ $PADDOCK_BIN = /* ]] || PADDOCK_BIN="$REPO_ROOT/$PADDOCK_BIN"
[[ $CLIENT_BIN = /* ]] || CLIENT_BIN="$REPO_ROOT/$CLIENT_BIN"
require_binaries "$PADDOCK_BIN" "$CLIENT_BIN"
(cd bench/node_broadcast && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
  die "npm ci in bench/node_broadcast failed"

read -r -a COUNTS <<<"$FOLLOWERS"
MAX_N=0
for n in "${COUNTS[@]}"; do ((n > MAX_N)) && MAX_N=$n; done
raise_open_files "$MAX_N"
export PADDOCK_MAX_CONNECTIONS=${PADDOCK_MAX_CONNECTIONS:-$((MAX_N > 19000 ? MAX_N + 1000 : 20000))}
# Every follower connects from one of a few loopback addresses: lift the per-address limit with
# the global one.
export PADDOCK_MAX_CONNECTIONS_PER_ADDRESS=${PADDOCK_MAX_CONNECTIONS_PER_ADDRESS:-$PADDOCK_MAX_CONNECTIONS}
SOURCES=${SOURCES:-$(loopback_sources "$MAX_N")}
CLK_TCK=$(getconf CLK_TCK)

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d -t paddock-fanout.XXXXXX)
PADDOCK_PID="" NODE_PID="" UWS_PID="" CLIENT_PID="" WRK_PID="" TOP_PID=""

# The uWebSockets peer: a prebuilt binary, else built from its folder, else left out.
SERVERS=(paddock node)
find_uws "$WORK"
[[ -z $UWS_BIN ]] || SERVERS+=(uws)

cleanup_on_exit TOP_PID CLIENT_PID WRK_PID NODE_PID UWS_PID PADDOCK_PID

# ---- helpers -------------------------------------------------------------------------------
start_paddock() {
  "$PADDOCK_BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" \
    >"$WORK/paddock.out" 2>>"$WORK/paddock.out.err" &
  PADDOCK_PID=$!
  PADDOCK_PORT=$(wait_port "$WORK/paddock.out" "$PADDOCK_PID" paddock)
}
start_node() {
  node bench/node_broadcast/server.mjs 0 >"$WORK/node.out" 2>>"$WORK/node.out.err" &
  NODE_PID=$!
  NODE_PORT=$(wait_port "$WORK/node.out" "$NODE_PID" node)
}
# Same wire contract as the Node server (any path subscribes; POST /publish), so the client
# drives it with --target node. As many threads as paddock's I/O threads.
start_uws() {
  "$UWS_BIN" 0 "$(server_threads)" >"$WORK/uws.out" 2>>"$WORK/uws.out.err" &
  UWS_PID=$!
  UWS_PORT=$(wait_port "$WORK/uws.out" "$UWS_PID" uws)
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# thread_ticks PID: "tid name ticks" per thread (paddock names its threads: io-1, fanout, commit...).
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    echo "${t##*/} $(tr -d ' ' <"$t/comm") $(awk '{ print $14 + $15 }' "$t/stat")"
  done | sort
}

# field FILE KEY: KEY of the last result line ("mode") the client printed.
field() { grep '"mode"' "$1" | tail -1 | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }

# start_client OUT ARGS...: starts the client and waits until all its connections are up.
start_client() {
  local out=$1
  shift
  timeout 300 "$CLIENT_BIN" "$@" --sources "$SOURCES" >"$out" 2>"$out.err" &
  CLIENT_PID=$!
  until grep -q '"phase":"connected"' "$out" 2>/dev/null; do
    kill -0 "$CLIENT_PID" 2>/dev/null || die "client failed: $(cat "$out.err")"
    sleep 0.02
  done
  if [[ $(sed -n 's/.*"failed":\([0-9]*\).*/\1/p' "$out" | head -1) != 0 ]]; then
    log "warning: some connections failed: $(head -3 "$out.err")"
  fi
}
finish_client() {
  wait "$CLIENT_PID" || die "client failed: $(cat "$1.err")"
  CLIENT_PID=""
  [[ -s $1.err ]] && log "client: $(head -3 "$1.err")"
  return 0
}

declare -A MEM_BEFORE MEM_AFTER DPS P50 P99 PMAX MISSING CLOSED MSGRATE SRV_CORES CLI_CORES DPCPU
declare -A EVERY_RUN   # KEY/SERVER of a repeated run: the figure it is judged by, run by run
declare -A MEDIAN_RUN  # KEY/SERVER of a repeated run: which run is the median
declare -A SERVER_PID SERVER_PORT SERVER_ARGS  # the servers up together for the repeated runs
RUN_FIELDS=(DPS P50 P99 PMAX MISSING CLOSED MSGRATE SRV_CORES CLI_CORES DPCPU)

# measure_idle SERVER PID PORT N [client args]: server RSS before/after holding N idle followers.
measure_idle() {
  local server=$1 pid=$2 port=$3 n=$4
  shift 4
  local out="$WORK/idle-$server-$n.json"
  sleep 0.5
  MEM_BEFORE[$server/$n]=$(rss_kib "$pid")
  start_client "$out" idle --port "$port" --connections "$n" --hold "$HOLD" \
    --threads "$CLIENT_THREADS" "$@"
  sleep 1
  MEM_AFTER[$server/$n]=$(rss_kib "$pid")
  finish_client "$out"
  log "$server idle $n: VmRSS ${MEM_BEFORE[$server/$n]} -> ${MEM_AFTER[$server/$n]} KiB"
}

# run_fanout KEY SERVER PID PORT N MESSAGES RATE [client args]: one fan-out run.
run_fanout() {
  local key=$1 server=$2 pid=$3 port=$4 n=$5 messages=$6 rate=$7
  shift 7
  local out="$WORK/run-$key-$server.json"
  log "$server $key: $n followers, $messages messages at $rate/s"
  start_client "$out" run --port "$port" --connections "$n" --messages "$messages" --rate "$rate" \
    --threads "$CLIENT_THREADS" "$@"
  local t0 c0 t1 c1
  t0=$(date +%s%N)
  c0=$(cpu_ticks "$pid")
  thread_ticks "$pid" >"$WORK/threads-$key-$server.before"
  (sleep 1 && top -b -n1 -w 120 | head -14 >"$WORK/top-$key-$server.txt") 2>/dev/null &
  TOP_PID=$!
  finish_client "$out"
  c1=$(cpu_ticks "$pid")
  t1=$(date +%s%N)
  thread_ticks "$pid" >"$WORK/threads-$key-$server.after"
  wait "$TOP_PID" 2>/dev/null || true
  TOP_PID=""
  local k="$key/$server"
  DPS[$k]=$(field "$out" deliveries_per_s)
  P50[$k]=$(field "$out" p50_ms)
  P99[$k]=$(field "$out" p99_ms)
  PMAX[$k]=$(field "$out" max_ms)
  MISSING[$k]=$(field "$out" missing)
  CLOSED[$k]=$(field "$out" closed)
  MSGRATE[$k]=$(field "$out" publish_rate)
  SRV_CORES[$k]=$(awk -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) \
    'BEGIN { printf "%.2f", c / hz / (ns / 1e9) }')
  CLI_CORES[$k]=$(awk -v c="$(field "$out" client_cpu_s)" -v s="$(field "$out" seconds)" \
    'BEGIN { printf "%.2f", (s > 0 ? c / s : 0) }')
  # Deliveries per server CPU-second: the deliveries of the run over the CPU the server spent.
  DPCPU[$k]=$(awk -v d="${DPS[$k]:-0}" -v ns=$((t1 - t0)) -v c=$((c1 - c0)) -v hz="$CLK_TCK" \
    -v s="$(field "$out" seconds)" 'BEGIN { cpu = c / hz; printf "%.0f", (cpu > 0 ? d * s / cpu : 0) }')
  log "$server $key: $(grep '"mode"' "$out")"
}

# median_round RUNS FORMAT: FORMAT names round %d's figure (e.g. 'P99[half%d/uws]'). Sets
# MEDIAN_ROUND, the round whose figure is the median, and ROUND_FIGURES, every round's, sorted.
# One run of a loaded 2-core machine swings p99 by a third, so the targets are judged on the
# median.
median_round() {
  local runs=$1 format=$2 i ref
  local -a sorted
  mapfile -t sorted < <(for ((i = 1; i <= runs; i++)); do
    printf -v ref "$format" "$i"
    echo "${!ref:-0} $i"
  done | sort -g)
  MEDIAN_ROUND=${sorted[$(((runs - 1) / 2))]#* }
  ROUND_FIGURES=("${sorted[@]% *}")
}

# pick_median KEY RUNS FIELD SERVER [AS]: of the runs KEY1..KEY<RUNS>, AS/SERVER (default
# KEY/SERVER) becomes the one whose FIELD is the median.
pick_median() {
  local key=$1 runs=$2 field=$3 server=$4 as=${5:-$1} f ref
  median_round "$runs" "$field[$key%d/$server]"
  for f in "${RUN_FIELDS[@]}"; do
    ref="$f[$key$MEDIAN_ROUND/$server]"
    printf -v "$f[$as/$server]" '%s' "${!ref:-}"
  done
  EVERY_RUN[$as/$server]=$(printf '%s ' "${ROUND_FIGURES[@]}")
  MEDIAN_RUN[$as/$server]=$MEDIAN_ROUND
}

# ---- 1. setup: an owner, a vehicle and MAX_N followers (once) --------------------------------
mkdir -p "$WORK/data"
start_paddock
log "paddock on 127.0.0.1:$PADDOCK_PORT; creating $MAX_N followers"
TOKENS="$WORK/tokens.txt"
timeout 600 "$CLIENT_BIN" setup --port "$PADDOCK_PORT" --followers "$MAX_N" --tokens "$TOKENS" \
  >"$WORK/setup.json" 2>"$WORK/setup.json.err" || die "setup failed: $(tail -5 "$WORK/setup.json.err")"
log "setup: $(cat "$WORK/setup.json")"
OWNER_TOKEN=$(sed -n 's/^owner //p' "$TOKENS")
VEHICLE=$(sed -n 's/^vehicle //p' "$TOKENS")
QUIET_VEHICLE=$(sed -n 's/^quiet_vehicle //p' "$TOKENS")
stop "$PADDOCK_PID"
PADDOCK_PID=""

# ---- 2./3. per follower count: idle memory, then fan-out; paddock, then each peer ------------
# Each server starts fresh for every count so that freed memory of earlier runs does not hide
# the cost of the idle connections.
for n in "${COUNTS[@]}"; do
  start_paddock
  ((n < IDLE_MIN)) || measure_idle paddock "$PADDOCK_PID" "$PADDOCK_PORT" "$n" --tokens "$TOKENS"
  # The largest count's run is judged: it is repeated below with the servers taking turns.
  ((n == MAX_N)) ||
    run_fanout "$n" paddock "$PADDOCK_PID" "$PADDOCK_PORT" "$n" "$MESSAGES" "$RATE" --tokens "$TOKENS"
  stop "$PADDOCK_PID"
  PADDOCK_PID=""

  for peer in "${SERVERS[@]:1}"; do
    if [[ $peer == node ]]; then
      start_node
      pid=$NODE_PID port=$NODE_PORT
    else
      start_uws
      pid=$UWS_PID port=$UWS_PORT
    fi
    ((n < IDLE_MIN)) || measure_idle "$peer" "$pid" "$port" "$n" --target node
    ((n == MAX_N)) || run_fanout "$n" "$peer" "$pid" "$port" "$n" "$MESSAGES" "$RATE" --target node
    stop "$pid"
    NODE_PID="" UWS_PID=""
  done
done

# ---- 3b. the largest count at RATE, saturation and half rate, the servers taking turns --------
# Every server is up at once (idle between its runs) and the runs alternate, paddock, node,
# uws, paddock...: whatever else the machine does in those minutes falls on every server alike.
start_paddock
SERVER_PID[paddock]=$PADDOCK_PID SERVER_PORT[paddock]=$PADDOCK_PORT
SERVER_ARGS[paddock]="--tokens $TOKENS"
for peer in "${SERVERS[@]:1}"; do
  if [[ $peer == node ]]; then
    start_node
    SERVER_PID[node]=$NODE_PID SERVER_PORT[node]=$NODE_PORT
  else
    start_uws
    SERVER_PID[uws]=$UWS_PID SERVER_PORT[uws]=$UWS_PORT
  fi
  SERVER_ARGS[$peer]="--target node"
done
# in_turns KEY RUNS MESSAGES RATE [client args]: RUNS rounds of one run per server.
in_turns() {
  local key=$1 runs=$2 messages=$3 rate=$4 i server
  shift 4
  for ((i = 1; i <= runs; i++)); do
    for server in "${SERVERS[@]}"; do
      # shellcheck disable=SC2086 # SERVER_ARGS holds words
      run_fanout "$key$i" "$server" "${SERVER_PID[$server]}" "${SERVER_PORT[$server]}" "$MAX_N" \
        "$messages" "$rate" ${SERVER_ARGS[$server]} "$@"
    done
  done
}
in_turns rate "$RATE_RUNS" "$MESSAGES" "$RATE"
for server in "${SERVERS[@]}"; do pick_median rate "$RATE_RUNS" DPCPU "$server" "$MAX_N"; done
in_turns sat "$SAT_RUNS" "$SAT_MESSAGES" "$SAT_RATE" --deadline 60
for server in "${SERVERS[@]}"; do pick_median sat "$SAT_RUNS" DPCPU "$server"; done
# Half of paddock's median saturated deliveries/s, offered to every server.
sat_dps=$(for ((i = 1; i <= SAT_RUNS; i++)); do echo "${DPS[sat$i/paddock]:-0}"; done |
  sort -g | sed -n "$(((SAT_RUNS + 1) / 2))p")
HALF_RATE=$(awk -v d="$sat_dps" -v n="$MAX_N" 'BEGIN { printf "%.3f", d / 2 / n }')
[[ $HALF_RATE != 0.000 ]] || die "the saturation run delivered nothing"
half_messages=$(awk -v r="$HALF_RATE" -v s="$HALF_SECONDS" 'BEGIN { m = int(r * s + 0.5); print (m < 1 ? 1 : m) }')
in_turns half "$HALF_RUNS" "$half_messages" "$HALF_RATE"
for server in "${SERVERS[@]}"; do pick_median half "$HALF_RUNS" P99 "$server"; done
for server in "${SERVERS[@]}"; do stop "${SERVER_PID[$server]}"; done
PADDOCK_PID="" NODE_PID="" UWS_PID=""

# ---- 4. durable posts/s ------------------------------------------------------------------------
declare -A POST_RPS POST_P50 POST_P99 POST_NON2XX POST_SOCKERR POST_ERR
start_paddock
export PADDOCK_TOKEN=$OWNER_TOKEN
post_bench() {
  local key=$1 vehicle=$2 out="$WORK/wrk-$1.txt"
  local args=(-t"$WRK_THREADS" -c"$CONNECTIONS" --latency -s "$REPO_ROOT/bench/post_message.lua")
  if [[ $WARMUP != 0 ]]; then
    PADDOCK_VEHICLE=$vehicle wrk "${args[@]}" -d"$WARMUP" "http://127.0.0.1:$PADDOCK_PORT" \
      >"$out.warmup" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || die "wrk warm-up failed: $(cat "$out.warmup")"
  fi
  log "durable posts ($key): wrk ${args[*]} -d$DURATION"
  PADDOCK_VEHICLE=$vehicle wrk "${args[@]}" -d"$DURATION" "http://127.0.0.1:$PADDOCK_PORT" \
    >"$out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || die "wrk failed: $(cat "$out")"
  WRK_PID=""
  local line
  line=$(grep '^BENCH ' "$out" | tail -1) || die "no BENCH line in $out"
  POST_RPS[$key]=$(sed -n 's/.* ok_rps=\([^ ]*\).*/\1/p' <<<"$line")
  POST_P50[$key]=$(sed -n 's/.* p50_ms=\([^ ]*\).*/\1/p' <<<"$line")
  POST_P99[$key]=$(sed -n 's/.* p99_ms=\([^ ]*\).*/\1/p' <<<"$line")
  POST_NON2XX[$key]=$(sed -n 's/.* non2xx=\([^ ]*\).*/\1/p' <<<"$line")
  POST_SOCKERR[$key]=$(sed -n 's/.* socket_errors=\([^ ]*\).*/\1/p' <<<"$line")
  POST_ERR[$key]=$(grep '^FIRST_ERROR ' "$out" | head -1 | cut -c13-) || true
}
# A 10 s run of fsync-bound commits on a shared disk swings by a fifth from one minute to the
# next (a warm-up at 33.8k, then 27.8k): the vehicles take turns and the median round counts.
declare -A EVERY_POST
POST_FIELDS=(POST_RPS POST_P50 POST_P99 POST_NON2XX POST_SOCKERR POST_ERR)
for ((round = 1; round <= POST_RUNS; round++)); do
  post_bench "quiet$round" "$QUIET_VEHICLE"
  post_bench "followed$round" "$VEHICLE"
done
for key in quiet followed; do
  median_round "$POST_RUNS" "POST_RPS[$key%d]"
  for f in "${POST_FIELDS[@]}"; do
    ref="$f[$key$MEDIAN_ROUND]"
    printf -v "$f[$key]" '%s' "${!ref:-}"
  done
  EVERY_POST[$key]=$(printf '%.0f ' "${ROUND_FIGURES[@]}")
  EVERY_POST[$key]=${EVERY_POST[$key]% }
done
unset PADDOCK_TOKEN
stop "$PADDOCK_PID"
PADDOCK_PID=""

# ---- summary ---------------------------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)
failed=0
# check VALUE OP TARGET: sets VERDICT to PASS or MISS (and `failed` on a miss).
check() {
  if [[ -n $1 ]] && awk -v v="$1" -v t="$3" "BEGIN { exit !(v $2 t) }"; then
    VERDICT=PASS
  else
    VERDICT=MISS
    failed=1
  fi
}
fanout_row() {
  printf '| %-12s | %-7s | %8s | %12s | %8s | %8s | %9s | %9s | %6s | %7s | %7s | %13s |\n' "$@"
}
row() {
  local key=$1 server=$2 label=$3 k="$1/$2"
  [[ -n ${DPS[$k]:-} ]] || return 0
  fanout_row "$label" "$server" "${MSGRATE[$k]}" "$(printf '%.0f' "${DPS[$k]}")" \
    "${P50[$k]}" "${P99[$k]}" "${PMAX[$k]}" "${MISSING[$k]}" "${CLOSED[$k]}" "${SRV_CORES[$k]}" \
    "${CLI_CORES[$k]}" "${DPCPU[$k]}"
}
per_follower() { # bytes per follower from the VmRSS readings
  awk -v b="${MEM_BEFORE[$1/$2]}" -v a="${MEM_AFTER[$1/$2]}" -v n="$2" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }'
}

{
  echo
  echo "== Paddock fan-out benchmark =="
  echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit:   $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "paddock:  $("$PADDOCK_BIN" version 2>/dev/null || echo unknown), $(server_threads) I/O threads"
  echo "baseline: node $(node --version), ws $(node -p 'require("./bench/node_broadcast/node_modules/ws/package.json").version')"
  if [[ -n $UWS_NOTE ]]; then
    echo "peer:     $UWS_NOTE"
  else
    echo "peer:     uWebSockets ($UWS_BIN, $(server_threads) threads; sources in $UWS_PEER_DIR)"
  fi
  echo "machine:  nproc=$(nproc) cpu=\"$cpu_model\" kernel=$(uname -r) ($(uname -m))"
  echo "load:     $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (1/5/15 min)"
  echo "client:   paddock_fanout_client, $CLIENT_THREADS thread(s), same machine, loopback, from 127.0.0.1$( ((SOURCES > 1)) && echo " ... 127.0.0.$SOURCES")"
  echo "runs:     $MESSAGES messages at $RATE/s per count; saturation $SAT_MESSAGES at $SAT_RATE/s;" \
    "half rate ${HALF_RATE:-?}/s for ${HALF_SECONDS}s;" \
    "at $MAX_N: $RATE_RUNS runs at $RATE/s, $SAT_RUNS saturation and $HALF_RUNS half-rate runs" \
    "per server, servers taking turns, the median shown"
  echo
  echo "Fan-out (latency = publish POST sent -> frame received; msg/s = achieved publish rate;"
  echo "cores = CPU used by the server / by the client while publishing and draining;"
  echo "deliv/cpu-s = deliveries per CPU-second the server spent, whoever else shares the cores)"
  fanout_row followers server "msg/s" "deliveries/s" "p50 ms" "p99 ms" "max ms" missing closed \
    "srv cpu" "cli cpu" "deliv/cpu-s"
  fanout_row "" "" "" "" "" "" "" "" "" "" "" "" | tr ' ' '-'
  for n in "${COUNTS[@]}"; do
    for server in "${SERVERS[@]}"; do row "$n" "$server" "$n"; done
  done
  for server in "${SERVERS[@]}"; do row sat "$server" "$MAX_N sat"; done
  for server in "${SERVERS[@]}"; do row half "$server" "$MAX_N half"; done
  echo "Every repeated run, sorted (the median is the table's row):"
  for server in "${SERVERS[@]}"; do
    [[ -z ${EVERY_RUN[$MAX_N/$server]:-} ]] ||
      echo "  $server at $RATE msg/s, deliveries per server CPU-s: ${EVERY_RUN[$MAX_N/$server]}"
  done
  for server in "${SERVERS[@]}"; do
    [[ -z ${EVERY_RUN[sat/$server]:-} ]] ||
      echo "  $server saturation, deliveries per server CPU-s: ${EVERY_RUN[sat/$server]}"
  done
  for server in "${SERVERS[@]}"; do
    [[ -z ${EVERY_RUN[half/$server]:-} ]] ||
      echo "  $server half rate, p99 ms: ${EVERY_RUN[half/$server]}"
  done
  echo
  echo "Idle followers (server VmRSS before -> after holding N idle WebSocket connections)"
  printf '| %-9s | %-7s | %11s | %11s | %16s |\n' followers server "before KiB" "after KiB" "bytes/follower"
  printf '| %-9s | %-7s | %11s | %11s | %16s |\n' "" "" "" "" "" | tr ' ' '-'
  for n in "${COUNTS[@]}"; do
    ((n >= IDLE_MIN)) || continue
    for server in "${SERVERS[@]}"; do
      printf '| %-9s | %-7s | %11s | %11s | %16s |\n' "$n" "$server" "${MEM_BEFORE[$server/$n]}" \
        "${MEM_AFTER[$server/$n]}" "$(per_follower "$server" "$n")"
    done
  done
  echo
  echo "Durable posts (wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION, POST /v1/vehicles/{id}/messages, 2xx/s;"
  echo "the median of $POST_RUNS rounds, the vehicles taking turns)"
  printf '| %-40s | %10s | %8s | %8s | %8s | %8s |\n' vehicle "posts/s" "p50 ms" "p99 ms" non-2xx "sock err"
  printf '| %-40s | %10s | %8s | %8s | %8s | %8s |\n' "" "" "" "" "" "" | tr ' ' '-'
  printf '| %-40s | %10.0f | %8.2f | %8.2f | %8s | %8s |\n' "no followers" "${POST_RPS[quiet]}" \
    "${POST_P50[quiet]}" "${POST_P99[quiet]}" "${POST_NON2XX[quiet]}" "${POST_SOCKERR[quiet]}"
  printf '| %-40s | %10.0f | %8.2f | %8.2f | %8s | %8s |\n' "$MAX_N followers (none connected)" \
    "${POST_RPS[followed]}" "${POST_P50[followed]}" "${POST_P99[followed]}" \
    "${POST_NON2XX[followed]}" "${POST_SOCKERR[followed]}"
  echo "Every round, sorted: no followers ${EVERY_POST[quiet]}; $MAX_N followers ${EVERY_POST[followed]}"
  for key in quiet followed; do
    for ((round = 1; round <= POST_RUNS; round++)); do
      [[ -z ${POST_ERR[$key$round]:-} ]] ||
        echo "WARNING: durable posts ($key, round $round): first non-2xx: ${POST_ERR[$key$round]}"
    done
  done
  echo
  echo "Targets"
  check "${DPS[sat/paddock]:-}" '>=' "$TARGET_DELIVERIES"
  printf 'deliveries/s to %d followers:  %.0f (saturation; target >= %d) %s\n' "$MAX_N" \
    "${DPS[sat/paddock]:-0}" "$TARGET_DELIVERIES" "$VERDICT"
  check "${P99[half/paddock]:-}" '<' "$TARGET_HALF_P99_MS"
  printf 'p99 at half that rate:          %s ms (target < %d ms) %s\n' "${P99[half/paddock]:-?}" \
    "$TARGET_HALF_P99_MS" "$VERDICT"
  check "${P99[$MAX_N/paddock]:-}" '<' "$TARGET_HALF_P99_MS"
  printf 'p99 at %s msg/s to %d:          %s ms (offered %d deliveries/s; target < %d ms) %s\n' \
    "$RATE" "$MAX_N" "${P99[$MAX_N/paddock]:-?}" "$(awk -v r="$RATE" -v n="$MAX_N" 'BEGIN { printf "%d", r * n }')" \
    "$TARGET_HALF_P99_MS" "$VERDICT"
  # Issue 13: against uWebSockets measured in this run.
  if [[ -n ${DPCPU[$MAX_N/uws]:-} ]]; then
    check "${DPCPU[$MAX_N/paddock]:-}" '>=' "${DPCPU[$MAX_N/uws]}"
    printf 'deliveries per server CPU-s:    %s at %d followers (uWebSockets %s; medians of %d runs) %s\n' \
      "${DPCPU[$MAX_N/paddock]:-?}" "$MAX_N" "${DPCPU[$MAX_N/uws]}" "$RATE_RUNS" "$VERDICT"
    check "${DPCPU[sat/paddock]:-}" '>=' "${DPCPU[sat/uws]:-0}"
    printf '  the same at saturation:       %s (uWebSockets %s; medians of %d runs) %s\n' \
      "${DPCPU[sat/paddock]:-?}" "${DPCPU[sat/uws]:-?}" "$SAT_RUNS" "$VERDICT"
    check "${P99[half/paddock]:-}" '<=' "${P99[half/uws]:-0}"
    printf 'p99 at half saturation:         %s ms (uWebSockets %s ms at the same load; medians of %d runs) %s\n' \
      "${P99[half/paddock]:-?}" "${P99[half/uws]:-?}" "$HALF_RUNS" "$VERDICT"
  else
    echo "deliveries per server CPU-s:    ${DPCPU[$MAX_N/paddock]:-?} (no uWebSockets run to compare)"
  fi
  check "${POST_RPS[quiet]:-}" '>=' "$TARGET_POSTS"
  printf 'durable posts/s:                %.0f (target >= %d; median of %d rounds) %s\n' \
    "${POST_RPS[quiet]:-0}" "$TARGET_POSTS" "$POST_RUNS" "$VERDICT"
  if [[ -n ${MEM_AFTER[paddock/$MAX_N]:-} ]]; then
    idle_bytes=$(per_follower paddock "$MAX_N")
    check "$idle_bytes" '<=' "$TARGET_IDLE_BYTES"
    printf 'memory per idle follower:       %s bytes at %d followers (target <= %d) %s\n' \
      "$idle_bytes" "$MAX_N" "$TARGET_IDLE_BYTES" "$VERDICT"
  else
    echo "memory per idle follower:       not measured (largest count $MAX_N < IDLE_MIN $IDLE_MIN)"
  fi
  echo
  echo "paddock threads during the saturation run (CPU seconds per thread; the main thread, paddock, runs I/O context 0):"
  sat_run="sat${MEDIAN_RUN[sat/paddock]:-1}-paddock"
  join "$WORK/threads-$sat_run.before" "$WORK/threads-$sat_run.after" 2>/dev/null |
    awk -v hz="$CLK_TCK" '{ printf "  %s (tid %s): %.2f s\n", $2, $1, ($5 - $3) / hz }' || true
  echo "top during the saturation run (paddock):"
  sed 's/^/  /' "$WORK/top-$sat_run.txt" 2>/dev/null | tail -n +7 | head -6 || true
  for k in "${!MISSING[@]}"; do
    if [[ ${MISSING[$k]} != 0 || ${CLOSED[$k]} != 0 ]]; then
      echo "WARNING: run $k: ${MISSING[$k]} deliveries missing, ${CLOSED[$k]} connections closed by the server"
    fi
  done
}

if [[ $STRICT == 1 && $failed == 1 ]]; then
  exit 1
fi
