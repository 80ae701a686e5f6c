#!/usr/bin/env bash
# Before/after on one data set: the same load program against two server
# binaries, taking turns, so both see the same machine and the same data.
#   bench/onboarding/compare.sh SIZE BEFORE_BIN AFTER_BIN [ROUNDS] [run flags...]
# e.g. bench/onboarding/compare.sh 100k /tmp/onramp-main bin/onramp 3 -phases read,events
# The data set is the one bench.sh loads for SIZE (run it once first;
# RELOAD=1 to load it again). Each binary serves on 127.0.0.1:18080 in turn.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/onboarding/env.sh "${1:-}"
before=${2:?before binary} after=${3:?after binary} rounds=${4:-3}
shift $(( $# < 4 ? $# : 4 ))
psql "$DATABASE_URL" -Atc 'SELECT 1 FROM onboarding_dismissals LIMIT 1' 2>/dev/null | grep -q 1 ||
  { echo "no data set in $datadir: run bench/onboarding/bench.sh $size first" >&2; exit 1; }
go build -o .data/bench-run ./bench/onboarding/run

trap stop_server EXIT
for round in $(seq 1 "$rounds"); do
  for which in before after; do
    bin=$before; [ "$which" = after ] && bin=$after
    serve "$bin" ".data/bench-server-$which.log"
    echo "== round $round: $which ($bin)"
    .data/bench-run -url http://127.0.0.1:18080 -server-pid "$server" "$@" | grep -v '^data set\|^$'
    stop_server
  done
done
