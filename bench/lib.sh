# Shared by the benchmark scripts (sourced, not run). Each script sets BENCH_NAME first; log
# and die prefix their lines with it.

log() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# stop PID: SIGTERM, then SIGKILL after 12 s.
stop() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "warning: pid $pid did not exit within 12 s of SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# wait_port FILE PID NAME: the port from a `listening on 127.0.0.1:PORT` line, waiting up to
# WAIT_TRIES tenths of a second (default 150).
wait_port() {
  local port="" tries=${WAIT_TRIES:-150}
  for _ in $(seq "$tries"); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$1" | head -1)
    [[ -n $port ]] && { echo "$port"; return 0; }
    kill -0 "$2" 2>/dev/null || die "$3 exited early: $(tail -20 "$1".err 2>/dev/null)"
    sleep 0.1
  done
  die "$3 printed no 'listening on 127.0.0.1:PORT' line within $((tries / 10)) s"
}

# require_binaries PATH...: each must be there and executable (`make build` builds them all).
require_binaries() {
  local bin
  for bin in "$@"; do
    [[ -x $bin ]] || die "$bin not found: run 'make build' first"
  done
}

# raise_open_files N: the open-file limit up to the hard limit, or a stop that says how to get
# enough for N connections (server and client each hold one descriptor per connection).
raise_open_files() {
  ulimit -n "$(ulimit -Hn)"
  (($(ulimit -n) > $1 + 512)) ||
    die "open-file limit $(ulimit -n) (the hard limit) is too low for $1 followers:" \
      "raise it (limits.conf, or ulimit -Hn $(($1 + 1024)) with CAP_SYS_RESOURCE)"
}

# loopback_sources N: how many client source addresses N connections to one server port need.
# One address reaches it from at most as many connections as the local port range has ports.
loopback_sources() {
  local low high per_source
  read -r low high </proc/sys/net/ipv4/ip_local_port_range
  per_source=$(((high - low + 1) * 9 / 10))  # leave some ports to everything else
  echo $((($1 + per_source - 1) / per_source))
}

# The I/O threads the servers run: PADDOCK_THREADS when above 0 (paddock reads it itself), else
# one per core. The uWebSockets peer is given as many, so that the two compare at the same count.
server_threads() {
  local threads=${PADDOCK_THREADS:-0}
  if [[ $threads =~ ^[0-9]+$ ]] && ((threads > 0)); then echo "$threads"; else nproc; fi
}

# find_uws WORK: sets UWS_BIN to the uWebSockets peer (UWS_BIN if given, else built by
# UWS_PEER_DIR/build.sh into WORK), or leaves it empty and says why in UWS_NOTE.
find_uws() {
  UWS_NOTE=""
  if [[ -z $UWS_BIN && -x $UWS_PEER_DIR/build.sh ]]; then
    log "building the uWebSockets peer from $UWS_PEER_DIR"
    if UWS_BIN=$("$UWS_PEER_DIR/build.sh" "$1/uws_broadcast" 2>"$1/uws-build.err"); then
      UWS_BIN=$(tail -1 <<<"$UWS_BIN")
    else
      UWS_BIN=""
      UWS_NOTE="the uWebSockets peer did not build: $(head -3 "$1/uws-build.err")"
    fi
  fi
  if [[ -n $UWS_BIN && ! -x $UWS_BIN ]]; then
    UWS_NOTE="the uWebSockets peer $UWS_BIN is not executable: not measured"
    UWS_BIN=""
  elif [[ -z $UWS_BIN && -z $UWS_NOTE ]]; then
    UWS_NOTE="the uWebSockets peer is absent ($UWS_PEER_DIR has no build.sh): not measured"
  fi
  [[ -z $UWS_NOTE ]] || log "$UWS_NOTE"
}

# cleanup_on_exit VAR...: on exit (or SIGINT, SIGTERM) stops the processes whose pids the named
# variables hold by then, in that order, and removes $WORK unless KEEP_WORK=1.
cleanup_on_exit() {
  CLEANUP_PID_VARS=("$@")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
cleanup() {
  local rc=$? var
  trap - EXIT INT TERM
  for var in "${CLEANUP_PID_VARS[@]}"; do stop "${!var}"; done
  if [[ ${KEEP_WORK:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
