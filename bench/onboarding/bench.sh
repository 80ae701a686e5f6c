#!/usr/bin/env bash
# The onboarding benchmark, end to end, on its own PostgreSQL cluster:
#   [RELOAD=1] bench/onboarding/bench.sh SIZE [run flags...]   (SIZE: 2k, 100k or 1m; see env.sh)
# Loads the data set of that size into .data/benchpg-SIZE (once, or again
# with RELOAD=1 or when the one there predates this loader), starts
# `onramp serve` on 127.0.0.1:18080 and runs the load program against it.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/onboarding/env.sh "${1:-}"
shift

# A data set from an older loader (no member rows, no second version, no
# dismissals) or a smaller one is loaded again.
loaded() {
  psql "$DATABASE_URL" -Atc "SELECT CASE WHEN (SELECT count(*) FROM onboarding_versions) >= 2 AND EXISTS (SELECT 1 FROM onboarding_dismissals)
    AND EXISTS (SELECT 1 FROM onboarding_members) THEN (SELECT count(*) FROM onboarding_organizations) ELSE 0 END" 2>/dev/null || echo 0
}
if [ "${RELOAD:-}" = 1 ] || [ "$(loaded)" -lt "$orgs" ]; then
  admin=${DATABASE_URL/\/onramp_bench/\/postgres}
  psql "$admin" -qc 'DROP DATABASE IF EXISTS onramp_bench WITH (FORCE)' -c 'CREATE DATABASE onramp_bench'
  go build -o .data/bench-load ./bench/onboarding/load
  start=$SECONDS
  .data/bench-load -orgs "$orgs" -members "$members" -events "$events" -big "$big" | tee "$datadir/load.log"
  echo "load ($size): $((SECONDS - start)) s" | tee -a "$datadir/load.log"
fi

go build -o bin/onramp ./cmd/onramp
go build -o .data/bench-run ./bench/onboarding/run
trap stop_server EXIT
serve bin/onramp .data/bench-server.log
.data/bench-run -url http://127.0.0.1:18080 -server-pid "$server" "$@"
