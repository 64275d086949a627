#!/usr/bin/env bash
# Before/after in one run: the HTTP and fan-out benchmarks against two paddock binaries on the
# same machine, back to back, each with its peer (nginx, Node ws) measured in the same script run.
#
#   bench/compare.sh BEFORE_BIN AFTER_BIN     e.g. a binary built from an older commit, and
#                                             build/release/paddock
# Environment: ROUNDS=1 (alternating before/after rounds), BENCHES="http fanout" (which scripts),
# FOLLOWERS=10000, and every variable of http_bench.sh and fanout_bench.sh. Full outputs go to
# $OUT (default a temp dir, printed).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -eq 2 ]] || { echo "usage: bench/compare.sh BEFORE_BIN AFTER_BIN" >&2; exit 2; }
BEFORE=$(realpath "$1")
AFTER=$(realpath "$2")
ROUNDS=${ROUNDS:-1}
BENCHES=${BENCHES:-http fanout}
export FOLLOWERS=${FOLLOWERS:-10000}
OUT=${OUT:-$(mktemp -d -t paddock-compare.XXXXXX)}
mkdir -p "$OUT"
echo "compare: outputs in $OUT" >&2

for ((round = 1; round <= ROUNDS; round++)); do
  for label in before after; do
    bin=$BEFORE; [[ $label = after ]] && bin=$AFTER
    for bench in $BENCHES; do
      echo "compare: round $round, $label ($bin): $bench" >&2
      PADDOCK_BIN=$bin "bench/${bench}_bench.sh" >"$OUT/$bench-$label-$round.txt" \
        2>"$OUT/$bench-$label-$round.log"
    done
  done
done

for f in "$OUT"/*.txt; do
  echo "==== $(basename "$f" .txt)"
  cat "$f"
done
