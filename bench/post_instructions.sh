#!/usr/bin/env bash
# User-space instructions per durable post (POST /v1/vehicles/{id}/messages), counted by
# valgrind's callgrind in the server: a figure that does not move with the machine's speed, so
# a change to the post path can be judged by one run where wall-clock posts/s swing by a fifth
# from one minute to the next (docs/PERFORMANCE.md, "Issue 13, ninth look"). See bench/README.md.
#
# Per binary: the server under callgrind with instrumentation off; an owner and a vehicle; a
# warm-up; then instrumentation on for DURATION of wrk posts, off again. Instructions counted,
# over posts answered 201, is the figure. The server runs about fifty times slower under
# callgrind, so posts/s here mean nothing; CONNECTIONS sets how many jobs share a commit.
#
# Environment:
#   PADDOCK_BIN=build/release/paddock   PADDOCK_BIN_B=...  a second binary, measured after
#   DURATION=20s  CONNECTIONS=16  KEEP_WORK=1 (keep the callgrind output)
set -euo pipefail

cd "$(dirname "$0")/.."
REPO_ROOT=$PWD
PADDOCK_BIN=${PADDOCK_BIN:-build/release/paddock}
PADDOCK_BIN_B=${PADDOCK_BIN_B:-}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-16}
export PADDOCK_LOG_LEVEL=${PADDOCK_LOG_LEVEL:-warn}
export PADDOCK_PASSWORD_HASH=${PADDOCK_PASSWORD_HASH:-min}

BENCH_NAME=post-instructions
source bench/lib.sh

scripts/install-deps.sh --bench
command -v valgrind >/dev/null || die "valgrind not found after scripts/install-deps.sh --bench"
require_binaries "$PADDOCK_BIN" ${PADDOCK_BIN_B:+"$PADDOCK_BIN_B"}

WORK=$(mktemp -d -t paddock-instr.XXXXXX)
SERVER_PID=""
cleanup_on_exit SERVER_PID

json_field() { /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }

# measure NAME BIN: prints "NAME posts=N instructions=I per_post=P".
measure() {
  local name=$1 bin=$2 dir="$WORK/$1"
  mkdir -p "$dir/data"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$dir/callgrind.out" \
    "$bin" serve --listen 127.0.0.1:0 --data-dir "$dir/data" >"$dir/out" 2>"$dir/out.err" &
  SERVER_PID=$!
  local port base token vehicle
  port=$(WAIT_TRIES=600 wait_port "$dir/out" "$SERVER_PID" "$name")
  base="http://127.0.0.1:$port"
  curl -sf -X POST "$base/v1/users" -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"correct horse battery"}' >/dev/null ||
    die "$name: sign-up failed"
  token=$(curl -sf -X POST "$base/v1/sessions" -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"correct horse battery"}' | json_field token)
  vehicle=$(curl -sf -X POST "$base/v1/vehicles" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"plate":{"number":"B 12345","region":"CN"}}' |
    json_field id)
  local args=(-t1 -c"$CONNECTIONS" --timeout 10s -s "$REPO_ROOT/bench/post_message.lua" "$base")
  PADDOCK_TOKEN=$token PADDOCK_VEHICLE=$vehicle wrk -d3s "${args[@]}" >"$dir/warmup" 2>&1 ||
    die "$name: wrk warm-up failed: $(cat "$dir/warmup")"
  callgrind_control -i on "$SERVER_PID" >/dev/null 2>&1
  PADDOCK_TOKEN=$token PADDOCK_VEHICLE=$vehicle wrk -d"$DURATION" "${args[@]}" >"$dir/wrk" 2>&1 ||
    die "$name: wrk failed: $(cat "$dir/wrk")"
  callgrind_control -i off "$SERVER_PID" >/dev/null 2>&1
  stop "$SERVER_PID"
  SERVER_PID=""
  local posts instructions
  posts=$(sed -n 's/^BENCH .* ok=\([0-9]*\) .*/\1/p' "$dir/wrk")
  [[ -n $posts && $posts -gt 0 ]] || die "$name: no post answered 201: $(cat "$dir/wrk")"
  instructions=$(callgrind_annotate "$dir"/callgrind.out* 2>/dev/null |
    sed -n 's/^\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
  [[ -n $instructions ]] || die "$name: no instruction count in $dir"
  echo "$name posts=$posts instructions=$instructions per_post=$((instructions / posts))"
}

log "callgrind, wrk -t1 -c$CONNECTIONS -d$DURATION; about $((${DURATION%s} + 30)) s per binary"
measure paddock "$PADDOCK_BIN"
[[ -z $PADDOCK_BIN_B ]] || measure paddock-b "$PADDOCK_BIN_B"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores," \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
