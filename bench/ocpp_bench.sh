#!/bin/sh
# OCPP load: N simulated charge points against a fresh `paddock serve` (docs/PERFORMANCE.md).
#   bench/ocpp_bench.sh [N] [HEARTBEAT_WINDOW_S] [CALLS]
# Password hashing is `interactive` unless PADDOCK_PASSWORD_HASH says otherwise.
set -eu
N=${1:-10000}
WINDOW=${2:-60}
CALLS=${3:-500}
BIN=${PADDOCK_BIN:-build/release/paddock}
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
PADDOCK_MAX_CONNECTIONS=$((N + 100)) PADDOCK_MAX_CONNECTIONS_PER_ADDRESS=$((N + 100)) \
  "$BIN" serve --listen 127.0.0.1:0 --data-dir "$DIR/data" --log-level warn > "$DIR/out" 2>"$DIR/err" &
PID=$!
i=0
while ! grep -q '^listening on' "$DIR/out" 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 200 ] || { echo "server did not start"; cat "$DIR/err"; exit 1; }
  sleep 0.1
done
PORT=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$DIR/out")
B=http://127.0.0.1:$PORT
curl -sf -X POST $B/v1/users -H 'Content-Type: application/json' \
  -d '{"username":"benchop","password":"bench password 1"}' > /dev/null
"$BIN" users grant-operator benchop --data-dir "$DIR/data" > /dev/null
TOKEN=$(curl -sf -X POST $B/v1/sessions -H 'Content-Type: application/json' \
  -d '{"username":"benchop","password":"bench password 1"}' | /usr/bin/python3 -c 'import sys,json;print(json.load(sys.stdin)["token"])')
/usr/bin/python3 bench/ocpp_load.py "$PORT" "$PID" "$TOKEN" "$N" "$WINDOW" "$CALLS"
