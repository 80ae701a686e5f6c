#!/usr/bin/env bash
# The onboarding benchmark, end to end, on its own PostgreSQL cluster:
#   [RELOAD=1] bench/onboarding/bench.sh [ORGS] [MEMBERS] [EVENTS] [run flags...]   (default 100000 1000000 10000000)
# Loads the data set (once, or again with RELOAD=1: the database is kept in
# .data/benchpg; a data set without member rows, from before the member
# journey, is reloaded too), starts
# `onramp serve` on 127.0.0.1:18080 and runs the load program against it.
set -euo pipefail
cd "$(dirname "$0")/../.."
orgs=${1:-100000}
members=${2:-1000000}
events=${3:-10000000}

export DATABASE_URL=$(scripts/pg-cluster start "$PWD/.data/benchpg" onramp_bench)
orgs_in() { psql "$DATABASE_URL" -Atc "SELECT count(*) FROM onboarding_organizations WHERE EXISTS (SELECT 1 FROM onboarding_members)" 2>/dev/null || echo 0; }
if [ "${RELOAD:-}" = 1 ] || [ "$(orgs_in)" -lt "$orgs" ]; then
  admin=${DATABASE_URL/\/onramp_bench/\/postgres}
  psql "$admin" -qc 'DROP DATABASE onramp_bench WITH (FORCE)' -c 'CREATE DATABASE onramp_bench'
  go run ./bench/onboarding/load -orgs "$orgs" -members "$members" -events "$events"
fi

go build -o bin/onramp ./cmd/onramp
mkdir -p .data
[ -s .data/bench-jwt-seed ] || head -c 32 /dev/urandom | base64 >.data/bench-jwt-seed
export JWT_PRIVATE_KEY=$(cat .data/bench-jwt-seed)
export HTTP_ADDR=127.0.0.1:18080 PUBLIC_URL=http://127.0.0.1:18080
export PLANS_FILE=cmd/onramp/testdata/plans.yaml LOG_LEVEL=warn
bin/onramp serve 2>.data/bench-server.log &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.1; done

go run ./bench/onboarding/run -url http://127.0.0.1:18080 "${@:4}"
