#!/usr/bin/env bash
# Memory per idle follower, alone (issue 13: at most 2 KiB at 10,000 followers). The same
# reading as bench/fanout_bench.sh's idle step, repeated: fan-out and peers are left out, so a
# change to what a stream holds can be measured in a minute. See bench/README.md.
#
# Sets up an owner, a vehicle and FOLLOWERS followers once (paddock_fanout_client setup), then
# RUNS times: starts a fresh server on that data, reads its VmRSS, has
# `paddock_fanout_client idle` open FOLLOWERS authenticated WebSocket streams (one per follower,
# each following the vehicle, nothing flowing), reads VmRSS again 1 s after the last one is up,
# and stops both. Prints each run and the median of (after - before) / FOLLOWERS.
#
# Environment:
#   FOLLOWERS=10000  RUNS=5  HOLD=3
#   SOURCES=K       client source addresses 127.0.0.1 ... 127.0.0.K (default: as many as
#                   FOLLOWERS needs, since one address reaches the server's port from at most
#                   as many connections as the local port range has ports)
#   PADDOCK_BIN=build/release/paddock  CLIENT_BIN=build/release/paddock_fanout_client
#   KEEP_WORK=1     keep the temp dir (data, tokens, logs)
# Paddock's own PADDOCK_* variables pass through (PADDOCK_LOG_LEVEL defaults to warn here).
set -euo pipefail

cd "$(dirname "$0")/.."
FOLLOWERS=${FOLLOWERS:-10000}
RUNS=${RUNS:-5}
HOLD=${HOLD:-3}
PADDOCK_BIN=${PADDOCK_BIN:-build/release/paddock}
CLIENT_BIN=${CLIENT_BIN:-build/release/paddock_fanout_client}
KEEP_WORK=${KEEP_WORK:-0}
export PADDOCK_LOG_LEVEL=${PADDOCK_LOG_LEVEL:-warn}
export PADDOCK_PASSWORD_HASH=${PADDOCK_PASSWORD_HASH:-min}  # fast sign-ups for the setup
export PADDOCK_MAX_CONNECTIONS=${PADDOCK_MAX_CONNECTIONS:-$((FOLLOWERS + 1000))}
# Every follower connects from one of a few loopback addresses: lift the per-address limit with
# the global one.
export PADDOCK_MAX_CONNECTIONS_PER_ADDRESS=${PADDOCK_MAX_CONNECTIONS_PER_ADDRESS:-$PADDOCK_MAX_CONNECTIONS}

BENCH_NAME=idle-bench
source bench/lib.sh

require_binaries "$PADDOCK_BIN" "$CLIENT_BIN"
raise_open_files "$FOLLOWERS"
SOURCES=${SOURCES:-$(loopback_sources "$FOLLOWERS")}

WORK=$(mktemp -d -t paddock-idle.XXXXXX)
SERVER_PID="" CLIENT_PID=""
cleanup_on_exit CLIENT_PID SERVER_PID

start_server() {
  "$PADDOCK_BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" >"$WORK/server.out" \
    2>>"$WORK/server.out.err" &
  SERVER_PID=$!
  PORT=$(wait_port "$WORK/server.out" "$SERVER_PID" paddock)
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

mkdir -p "$WORK/data"
chmod 700 "$WORK/data"
start_server
log "creating $FOLLOWERS followers"
timeout 900 "$CLIENT_BIN" setup --port "$PORT" --followers "$FOLLOWERS" --tokens "$WORK/tokens.txt" \
  >"$WORK/setup.json" 2>"$WORK/setup.err" || die "setup failed: $(tail -5 "$WORK/setup.err")"
stop "$SERVER_PID"
SERVER_PID=""

declare -a PER
for run in $(seq "$RUNS"); do
  start_server
  sleep 1
  before=$(rss_kib "$SERVER_PID")
  out="$WORK/idle-$run.json"
  timeout 300 "$CLIENT_BIN" idle --port "$PORT" --connections "$FOLLOWERS" --hold "$HOLD" \
    --sources "$SOURCES" --tokens "$WORK/tokens.txt" >"$out" 2>"$out.err" &
  CLIENT_PID=$!
  until grep -q '"phase":"connected"' "$out" 2>/dev/null; do
    kill -0 "$CLIENT_PID" 2>/dev/null || die "client failed: $(cat "$out.err")"
    sleep 0.02
  done
  sleep 1
  after=$(rss_kib "$SERVER_PID")
  wait "$CLIENT_PID" || die "client failed: $(cat "$out.err")"
  CLIENT_PID=""
  failed=$(sed -n 's/.*"failed":\([0-9]*\).*/\1/p' "$out" | head -1)
  closed=$(grep '"mode"' "$out" | sed -n 's/.*"closed":\([0-9]*\).*/\1/p')
  [[ $failed == 0 && ${closed:-0} == 0 ]] || die "run $run: $failed connections failed, ${closed:-?} closed"
  PER[run]=$(((after - before) * 1024 / FOLLOWERS))
  log "run $run: VmRSS $before -> $after KiB: ${PER[run]} bytes per idle follower"
  stop "$SERVER_PID"
  SERVER_PID=""
done

median=$(printf '%s\n' "${PER[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)) }')
echo "memory per idle follower: median $median bytes at $FOLLOWERS followers over $RUNS runs" \
  "(runs: ${PER[*]}); target <= 2048; client from $SOURCES loopback address(es)"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores," \
  "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
