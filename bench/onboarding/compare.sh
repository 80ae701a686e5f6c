#!/usr/bin/env bash
# Before/after on one data set: the same load program against two server
# binaries, taking turns, so both see the same machine and the same data.
#   bench/onboarding/compare.sh BEFORE_BIN AFTER_BIN [ROUNDS] [run flags...]
# e.g. bench/onboarding/compare.sh /tmp/onramp-main bin/onramp 3 -phases read,events
# The data set is the one bench.sh loads (run it once first; RELOAD=1 to
# load it again). Each binary serves on 127.0.0.1:18080 in turn.
set -euo pipefail
cd "$(dirname "$0")/../.."
before=$1 after=$2 rounds=${3:-3}
shift $(( $# < 3 ? $# : 3 ))

export DATABASE_URL=$(scripts/pg-cluster start "$PWD/.data/benchpg" onramp_bench)
[ -s .data/bench-jwt-seed ] || { echo "no data set: run bench/onboarding/bench.sh first" >&2; exit 1; }
export JWT_PRIVATE_KEY=$(cat .data/bench-jwt-seed)
export HTTP_ADDR=127.0.0.1:18080 PUBLIC_URL=http://127.0.0.1:18080
export PLANS_FILE=cmd/onramp/testdata/plans.yaml LOG_LEVEL=warn
go build -o .data/bench-run ./bench/onboarding/run

server=
stop() { [ -z "$server" ] || { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=; }; }
trap stop EXIT
for round in $(seq 1 "$rounds"); do
  for which in before after; do
    bin=$before; [ "$which" = after ] && bin=$after
    "$bin" serve 2>>".data/bench-server-$which.log" &
    server=$!
    for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.1; done
    echo "== round $round: $which ($bin)"
    .data/bench-run -url http://127.0.0.1:18080 "$@" | grep -v '^data set\|^$'
    stop
  done
done
