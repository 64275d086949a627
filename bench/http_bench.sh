#!/usr/bin/env bash
# HTTP benchmark for Paddock, run by `make bench`. See bench/README.md and docs/PERFORMANCE.md.
#
# Measures, with wrk over loopback only:
#   1. paddock GET /v1/me (bearer token)                  requests/s and p99
#   2. nginx serving a static JSON file of the same size  requests/s and p99 (the baseline)
#   3. paddock POST /v1/devices (durable registrations)   2xx/s and p99, non-2xx counted
# and prints a summary table plus the machine it ran on. Everything it starts is torn down on exit.
#
# Environment:
#   DURATION=10s  CONNECTIONS=64  WRK_THREADS=2   wrk -d / -c / -t for every measured run
#   WARMUP=2s                                     wrk warm-up before each measured run (0 = none)
#   PADDOCK_BIN=build/release/paddock             server binary (relative to the repo root)
#   PADDOCK_SKIP=1                                skip every paddock step (benchmarks nginx only)
#   SERVER_CPUS=0,1  WRK_CPUS=...                 optional taskset CPU lists for servers / wrk
#   KEEP_WORK=1                                   keep the temp dir (logs, configs, wrk output)
#   STRICT=1                                      exit 1 when a target is missed or non-2xx seen
#   BENCH_EXACT_STATUS=0                          count device errors via wrk (>= 400) instead of Lua
# Paddock's own PADDOCK_* variables pass through; PADDOCK_LOG_LEVEL defaults to warn here.
# BENCH_* variables are assigned dynamically (printf -v) from the BENCH line that report.lua prints.
# shellcheck disable=SC2154
set -euo pipefail

cd "$(dirname "$0")/.."
REPO_ROOT=$PWD

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
WARMUP=${WARMUP:-2s}
PADDOCK_BIN=${PADDOCK_BIN:-build/release/paddock}
PADDOCK_SKIP=${PADDOCK_SKIP:-0}
SERVER_CPUS=${SERVER_CPUS:-}
WRK_CPUS=${WRK_CPUS:-}
KEEP_WORK=${KEEP_WORK:-0}
STRICT=${STRICT:-0}
export BENCH_EXACT_STATUS=${BENCH_EXACT_STATUS:-1}
export PADDOCK_LOG_LEVEL=${PADDOCK_LOG_LEVEL:-warn}

TARGET_RATIO=1.00        # paddock GET /v1/me >= nginx static requests/s (issue 13)
TARGET_WRITES=20000      # durable device registrations/s

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# (a) tools
scripts/install-deps.sh --bench
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || die "$tool not found after scripts/install-deps.sh --bench"
done
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
NGINX_BIN=$(command -v nginx)

WORK=$(mktemp -d -t paddock-bench.XXXXXX)
PADDOCK_PID=""
NGINX_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n ${WRK_PID:-} ]]; then
    kill -TERM "$WRK_PID" 2>/dev/null || true
    wait "$WRK_PID" 2>/dev/null || true
  fi
  if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  if [[ -n $PADDOCK_PID ]] && kill -0 "$PADDOCK_PID" 2>/dev/null; then
    kill -TERM "$PADDOCK_PID" 2>/dev/null || true
    local stopped=0
    for _ in $(seq 120); do
      if ! kill -0 "$PADDOCK_PID" 2>/dev/null; then stopped=1; break; fi
      sleep 0.1
    done
    if [[ $stopped -eq 0 ]]; then
      log "warning: paddock did not exit within 12 s of SIGTERM; killing it"
      kill -KILL "$PADDOCK_PID" 2>/dev/null || true
    fi
    wait "$PADDOCK_PID" 2>/dev/null || true
  fi
  if [[ $KEEP_WORK == 1 ]]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Command prefixes (taskset execs, so `$!` of a backgrounded server is the server itself).
PIN_SERVER=()
[[ -z $SERVER_CPUS ]] || PIN_SERVER=(taskset -c "$SERVER_CPUS")
PIN_WRK=()
[[ -z $WRK_CPUS ]] || PIN_WRK=(taskset -c "$WRK_CPUS")

# wrk_wait OUTFILE ARGS...: run wrk in the background and wait, so INT/TERM traps fire at once.
WRK_PID=""
wrk_wait() {
  local out=$1
  shift
  "${PIN_WRK[@]}" wrk "$@" >"$out" 2>&1 &
  WRK_PID=$!
  local rc=0
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  return "$rc"
}

# run_wrk NAME URL [wrk args...]: warm up, then measure; leaves $WORK/NAME.txt and sets BENCH_* vars.
run_wrk() {
  local name=$1 url=$2
  shift 2
  if [[ $WARMUP != 0 ]]; then
    wrk_wait "$WORK/$name.warmup.txt" -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$@" "$url" ||
      die "wrk warm-up for $name failed: $(cat "$WORK/$name.warmup.txt")"
  fi
  log "measuring $name: wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency $* $url"
  wrk_wait "$WORK/$name.txt" -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url" ||
    die "wrk for $name failed: $(cat "$WORK/$name.txt")"
  sed 's/^/    /' "$WORK/$name.txt" >&2
  local line
  line=$(grep '^BENCH ' "$WORK/$name.txt" | tail -1) || die "no BENCH line in wrk output for $name"
  unset BENCH_requests BENCH_duration_s BENCH_ok BENCH_non2xx BENCH_rps BENCH_ok_rps BENCH_p50_ms BENCH_p99_ms BENCH_socket_errors
  local kv
  for kv in ${line#BENCH }; do
    printf -v "BENCH_${kv%%=*}" '%s' "${kv#*=}"
  done
  BENCH_first_error=$(grep '^FIRST_ERROR ' "$WORK/$name.txt" | head -1 | cut -c13-) || true
}

# probe_error URL [curl args...]: when a run saw errors but has no sample, fetch one with curl.
probe_error() {
  [[ ${BENCH_non2xx:-0} != 0 && -z ${BENCH_first_error:-} ]] || return 0
  local url=$1
  shift
  local code
  code=$(curl -s --max-time 10 -o "$WORK/probe.txt" -w '%{http_code}' "$@" "$url") || true
  BENCH_first_error="(curl sample) ${code:-000} $(head -c 300 "$WORK/probe.txt" 2>/dev/null | tr '\n' ' ')"
}

declare -A RPS P50 P99 NON2XX SOCKERR FIRSTERR
record() {
  local key=$1
  RPS[$key]=$2
  P50[$key]=$BENCH_p50_ms
  P99[$key]=$BENCH_p99_ms
  NON2XX[$key]=$BENCH_non2xx
  SOCKERR[$key]=$BENCH_socket_errors
  FIRSTERR[$key]=${BENCH_first_error:-}
}

WRK_REPORT=(-s "$REPO_ROOT/bench/report.lua")

# ---------------------------------------------------------------------------------------------
# (b)-(d) paddock: start, create a user, log in, GET /v1/me
ME_BODY="$WORK/me.json"
if [[ $PADDOCK_SKIP != 1 ]]; then
  [[ $PADDOCK_BIN = /* ]] || PADDOCK_BIN="$REPO_ROOT/$PADDOCK_BIN"
  [[ -x $PADDOCK_BIN ]] || die "$PADDOCK_BIN not found: run 'make build' first (or PADDOCK_SKIP=1)"
  mkdir -p "$WORK/data"
  log "starting $PADDOCK_BIN serve --listen 127.0.0.1:0 --data-dir $WORK/data"
  "${PIN_SERVER[@]}" "$PADDOCK_BIN" serve --listen 127.0.0.1:0 --data-dir "$WORK/data" \
    >"$WORK/paddock.stdout" 2>"$WORK/paddock.stderr" &
  PADDOCK_PID=$!
  PADDOCK_PORT=""
  for _ in $(seq 150); do
    if PADDOCK_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/paddock.stdout" | head -1) &&
      [[ -n $PADDOCK_PORT ]]; then
      break
    fi
    kill -0 "$PADDOCK_PID" 2>/dev/null || die "paddock exited early: $(tail -20 "$WORK/paddock.stderr")"
    sleep 0.1
  done
  [[ -n $PADDOCK_PORT ]] || die "paddock printed no 'listening on 127.0.0.1:PORT' line within 15 s"
  PADDOCK_URL="http://127.0.0.1:$PADDOCK_PORT"
  log "paddock listening on $PADDOCK_URL (pid $PADDOCK_PID)"

  curl -sS --fail-with-body --max-time 30 -o "$WORK/user.json" \
    -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"bench-password-0123","display_name":"Bench User"}' \
    "$PADDOCK_URL/v1/users" || die "POST /v1/users failed: $(cat "$WORK/user.json" 2>/dev/null)"
  curl -sS --fail-with-body --max-time 30 -o "$WORK/session.json" \
    -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"bench-password-0123"}' \
    "$PADDOCK_URL/v1/sessions" || die "POST /v1/sessions failed: $(cat "$WORK/session.json" 2>/dev/null)"
  TOKEN=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$WORK/session.json") ||
    die "no token in $(cat "$WORK/session.json")"
  curl -sS --fail-with-body --max-time 30 -o "$ME_BODY" -H "Authorization: Bearer $TOKEN" \
    "$PADDOCK_URL/v1/me" || die "GET /v1/me failed: $(cat "$ME_BODY" 2>/dev/null)"

  run_wrk paddock-me "$PADDOCK_URL/v1/me" -H "Authorization: Bearer $TOKEN" "${WRK_REPORT[@]}"
  probe_error "$PADDOCK_URL/v1/me" -H "Authorization: Bearer $TOKEN"
  record paddock_me "$BENCH_rps"
else
  log "PADDOCK_SKIP=1: skipping paddock; nginx serves a synthetic /v1/me body"
  TOKEN="skipped"
  printf '{"id":"usr_01JDQ3Z6V7W8X9Y0Z1A2B3C4D5","username":"bench","display_name":"Bench User","created_at":"2026-11-23T18:00:00.000Z"}' >"$ME_BODY"
fi
ME_SIZE=$(stat -c %s "$ME_BODY")

# ---------------------------------------------------------------------------------------------
# (e) nginx: same-size static JSON, one worker per core, own prefix, loopback only
NGINX_DIR="$WORK/nginx"
mkdir -p "$NGINX_DIR/html/v1" "$NGINX_DIR/tmp"
cp "$ME_BODY" "$NGINX_DIR/html/v1/me"
# Workers started by a root master run as nobody and must be able to read the document root.
chmod 755 "$WORK" "$NGINX_DIR" "$NGINX_DIR/html" "$NGINX_DIR/html/v1"
chmod 644 "$NGINX_DIR/html/v1/me"
NGINX_PORT=$(free_port)
NGINX_URL="http://127.0.0.1:$NGINX_PORT"
temp_paths=""
nginx_v=$("$NGINX_BIN" -V 2>&1)
for m in client_body proxy fastcgi uwsgi scgi; do
  if [[ $m != client_body && $nginx_v == *"--without-http_${m}_module"* ]]; then continue; fi
  temp_paths+="    ${m}_temp_path $NGINX_DIR/tmp/$m;"$'\n'
done
cat >"$NGINX_DIR/nginx.conf" <<EOF
# Written by bench/http_bench.sh
daemon off;
worker_processes $(nproc);
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    types { }
    default_type application/json;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
$temp_paths
    server {
        listen 127.0.0.1:$NGINX_PORT;
        server_name localhost;
        root $NGINX_DIR/html;
        location / {
            try_files \$uri =404;
        }
    }
}
EOF
log "starting nginx on $NGINX_URL (prefix $NGINX_DIR, $(nproc) workers)"
"${PIN_SERVER[@]}" "$NGINX_BIN" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" \
  >"$NGINX_DIR/stdout.log" 2>&1 &
NGINX_PID=$!
nginx_up=0
for _ in $(seq 100); do
  if curl -s -o /dev/null --max-time 1 "$NGINX_URL/v1/me"; then nginx_up=1; break; fi
  kill -0 "$NGINX_PID" 2>/dev/null || break
  sleep 0.1
done
[[ $nginx_up == 1 ]] || die "nginx did not start: $(cat "$NGINX_DIR/error.log" "$NGINX_DIR/stdout.log" 2>/dev/null)"
curl -sS --fail --max-time 5 -o "$WORK/nginx-me.json" "$NGINX_URL/v1/me" || die "nginx GET /v1/me failed"
cmp -s "$WORK/nginx-me.json" "$ME_BODY" || die "nginx served a different body than $ME_BODY"

run_wrk nginx-static "$NGINX_URL/v1/me" -H "Authorization: Bearer $TOKEN" "${WRK_REPORT[@]}"
record nginx_static "$BENCH_rps"

kill -QUIT "$NGINX_PID" 2>/dev/null || true
wait "$NGINX_PID" 2>/dev/null || true
NGINX_PID=""

# ---------------------------------------------------------------------------------------------
# (f) paddock: durable device registrations
DEVICES_STORED=""
if [[ $PADDOCK_SKIP != 1 ]]; then
  export PADDOCK_TOKEN=$TOKEN
  run_wrk paddock-devices "$PADDOCK_URL/v1/devices" -s "$REPO_ROOT/bench/register_device.lua"
  probe_error "$PADDOCK_URL/v1/devices" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"name":"bench","kind":"phone","public_key":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","primary":false}'
  record paddock_devices "$BENCH_ok_rps"
  unset PADDOCK_TOKEN
  # Every acknowledged registration must be listed (more may be: wrk stops without reading the
  # last in-flight responses, whose rows can still commit).
  acked=$((BENCH_ok))
  if [[ $WARMUP != 0 ]]; then
    acked_warm=$(sed -n 's/^BENCH .* ok=\([0-9]*\) .*/\1/p' "$WORK/paddock-devices.warmup.txt")
    acked=$((acked + ${acked_warm:-0}))
  fi
  if curl -sS --fail --max-time 120 -o "$WORK/devices.json" -H "Authorization: Bearer $TOKEN" \
    "$PADDOCK_URL/v1/devices"; then
    DEVICES_STORED=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["devices"]))' "$WORK/devices.json")
    if ((DEVICES_STORED < acked)); then
      log "DEFECT: GET /v1/devices lists $DEVICES_STORED devices but $acked registrations were acknowledged"
    fi
  else
    log "warning: GET /v1/devices failed after the write benchmark"
  fi
fi

# ---------------------------------------------------------------------------------------------
# (g) summary
cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)
[[ -n $cpu_model ]] || cpu_model=$(sed -n 's/^\(Hardware\|cpu model\|uarch\)[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)
paddock_version="skipped"
if [[ $PADDOCK_SKIP != 1 ]]; then
  paddock_version=$("$PADDOCK_BIN" version 2>/dev/null || echo unknown)
fi

row() {
  local key=$1 label=$2
  if [[ -z ${RPS[$key]:-} ]]; then
    printf '| %-34s | %12s | %8s | %8s | %8s | %8s |\n' "$label" skipped - - - -
  else
    printf '| %-34s | %12.0f | %8.2f | %8.2f | %8s | %8s |\n' "$label" "${RPS[$key]}" "${P50[$key]}" "${P99[$key]}" \
      "${NON2XX[$key]}" "${SOCKERR[$key]}"
  fi
}

failed=0
{
  echo
  echo "== Paddock HTTP benchmark =="
  echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit:  $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "paddock: $paddock_version"
  echo "machine: nproc=$(nproc) cpu=\"$cpu_model\" kernel=$(uname -r) ($(uname -m))"
  echo "wrk:     -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP), loopback 127.0.0.1"
  echo "pinning: servers=${SERVER_CPUS:-none} wrk=${WRK_CPUS:-none}"
  echo
  printf '| %-34s | %12s | %8s | %8s | %8s | %8s |\n' test "requests/s" "p50 ms" "p99 ms" "non-2xx" "sock err"
  printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..36})" "$(printf -- '-%.0s' {1..14})" \
    "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..10})"
  row paddock_me "paddock GET /v1/me"
  row nginx_static "nginx static JSON (${ME_SIZE} B)"
  row paddock_devices "paddock POST /v1/devices (2xx/s)"
  echo
  if [[ -n ${RPS[paddock_me]:-} && -n ${RPS[nginx_static]:-} ]]; then
    ratio=$(awk -v a="${RPS[paddock_me]}" -v b="${RPS[nginx_static]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    verdict=$(awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t ? "PASS" : "MISS") }')
    echo "GET /v1/me vs nginx:       ${ratio}x of nginx (target >= ${TARGET_RATIO}x) $verdict"
    [[ $verdict == PASS ]] || failed=1
  fi
  if [[ -n ${RPS[paddock_devices]:-} ]]; then
    verdict=$(awk -v r="${RPS[paddock_devices]}" -v t="$TARGET_WRITES" 'BEGIN { print (r >= t ? "PASS" : "MISS") }')
    printf 'durable registrations/s:   %.0f (target >= %d) %s\n' "${RPS[paddock_devices]}" "$TARGET_WRITES" "$verdict"
    echo "devices listed afterwards: ${DEVICES_STORED:-unknown} (acknowledged incl. warm-up: ${acked:-?})"
    [[ $verdict == PASS ]] || failed=1
  fi
  for key in paddock_me nginx_static paddock_devices; do
    if [[ -n ${NON2XX[$key]:-} && ${NON2XX[$key]} != 0 ]]; then
      echo "WARNING: $key got ${NON2XX[$key]} non-2xx responses${FIRSTERR[$key]:+; first: ${FIRSTERR[$key]}}"
      failed=1
    fi
    if [[ -n ${SOCKERR[$key]:-} && ${SOCKERR[$key]} != 0 ]]; then
      echo "WARNING: $key had ${SOCKERR[$key]} socket errors (connect/read/write/timeout)"
    fi
  done
}

if [[ $STRICT == 1 && $failed == 1 ]]; then
  exit 1
fi
