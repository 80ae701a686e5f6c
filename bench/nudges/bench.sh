#!/usr/bin/env bash
# The nudge sweep's benchmark, on its own PostgreSQL cluster:
#   [RELOAD=1] bench/nudges/bench.sh [ORGS] [MEMBERS] [EVENTS]   (default 100000 1000000 3000000)
# Loads the data set once (again with RELOAD=1; the database is kept in
# .data/nudgebenchpg), undoes what an earlier run of this script wrote
# (its decisions, queued emails and reminder links), then:
#   1. runs `onramp nudges run --dry-run` with auto_explain on, so every
#      statement the sweep sends is logged with EXPLAIN (ANALYZE, BUFFERS)
#      as PostgreSQL ran it (parameters bound), and fails if a candidate
#      query's plan reads onboarding_events;
#   2. times `onramp nudges run --dry-run`, then a real `onramp nudges run`
#      (which records its decisions and queues its emails in River;
#      nothing delivers them).
# Output in .data/nudgebench/: plans.txt, the runs' lines and logs.
set -euo pipefail
cd "$(dirname "$0")/../.."
orgs=${1:-100000}
members=${2:-1000000}
events=${3:-3000000}
out=.data/nudgebench
mkdir -p "$out"

pgdir="$PWD/.data/nudgebenchpg"
export DATABASE_URL=$(scripts/pg-cluster start "$pgdir" onramp_nudgebench)
pglog=$(readlink -f "$pgdir/cluster")/server.log
go build -o bin/onramp ./cmd/onramp

loaded() { psql "$DATABASE_URL" -Atc "SELECT count(*) FROM organizations WHERE EXISTS (SELECT 1 FROM bench_loaded)" 2>/dev/null || echo 0; }
if [ "${RELOAD:-}" = 1 ] || [ "$(loaded)" -lt "$orgs" ]; then
  admin=${DATABASE_URL/\/onramp_nudgebench/\/postgres}
  psql "$admin" -qc 'DROP DATABASE IF EXISTS onramp_nudgebench WITH (FORCE)' -c 'CREATE DATABASE onramp_nudgebench'
  start=$(date +%s.%N)
  LOG_LEVEL=warn bin/onramp migrate
  LOG_LEVEL=warn bin/onramp seed >/dev/null
  psql "$DATABASE_URL" -q -v orgs="$orgs" -v members="$members" -v events="$events" -f bench/nudges/load.sql | tee "$out/load.log"
  printf 'load: %.0f s\n' "$(echo "$(date +%s.%N) - $start" | bc)" | tee -a "$out/load.log"
fi
# What an earlier run wrote: the sweep must find the data set as loaded.
psql "$DATABASE_URL" -q <<'SQL'
DELETE FROM nudge_sends WHERE decided_at > (SELECT at FROM bench_loaded);
DELETE FROM sent_emails WHERE kind = 'nudge';
DELETE FROM river_job WHERE kind = 'send_email';
UPDATE invitations SET reminder_token_hash = NULL WHERE reminder_token_hash IS NOT NULL;
VACUUM ANALYZE nudge_sends, sent_emails, river_job, invitations;
SQL

psql "$DATABASE_URL" -Atc "SELECT 'data set: ' || (SELECT count(*) FROM organizations) || ' organizations, ' ||
  (SELECT count(*) FROM memberships) || ' memberships, ' || (SELECT count(*) FROM onboarding_events) || ' events, ' ||
  (SELECT count(*) FROM invitations) || ' invitations, ' || (SELECT count(*) FROM nudge_sends) || ' earlier nudges'"

[ -s .data/bench-jwt-seed ] || head -c 32 /dev/urandom | base64 >.data/bench-jwt-seed
export JWT_PRIVATE_KEY=$(cat .data/bench-jwt-seed)
export PUBLIC_URL=http://127.0.0.1:18080 PLANS_FILE=cmd/onramp/testdata/plans.yaml LOG_LEVEL=info LOG_FORMAT=text

# 1. The plans, as the sweep's own statements ran: once with every node
# timed (plans.txt), once with the statements' times only (timing off:
# per-node timing slows a plan of many small nodes down).
explained() { # file, auto_explain.log_timing
  local offset
  offset=$(stat -c %s "$pglog")
  PGOPTIONS="-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_analyze=on
    -c auto_explain.log_buffers=on -c auto_explain.log_timing=$2" \
    bin/onramp nudges run --dry-run >/dev/null 2>"$out/explain-run.log"
  # A log entry starts with a timestamp; the plans of the candidate
  # queries are those that read nudge_sends through the lateral joins.
  tail -c +"$((offset + 1))" "$pglog" | awk '
    /^[0-9]{4}-[0-9]{2}-[0-9]{2} / { if (entry ~ /LEFT JOIN LATERAL/ && entry ~ /duration:/) print entry "\n"; entry = "" }
    { entry = entry $0 "\n" }
    END { if (entry ~ /LEFT JOIN LATERAL/ && entry ~ /duration:/) print entry }' >"$1"
}
explained "$out/plans.txt" on
explained "$out/plans-untimed.txt" off
n=$(grep -c 'duration: .* plan:' "$out/plans.txt" || true)
echo "candidate query plans logged: $n (want 4), in $out/plans.txt"
if [ "$n" -ne 4 ]; then echo "FAIL: expected 4 candidate plans" >&2; exit 1; fi
if grep -q 'onboarding_events' "$out/plans.txt"; then echo "FAIL: a plan reads onboarding_events" >&2; exit 1; fi
echo "no plan reads onboarding_events"
# Per plan: its trigger, its time (timed and not), the rows it gave, and
# its busiest node (rows x loops): a plan that reads only the trigger's
# window stays near the rows it gives; one that walks every company or
# membership shows it here.
summary() { # plans file: trigger, time, rows, busiest
  awk 'function out() { if (p) print trigger "\t" ms "\t" top "\t" most }
       /duration: .* plan:/ { out(); p = 1; top = 0; most = 0; match($0, /duration: [0-9.]+ ms/); ms = substr($0, RSTART + 10, RLENGTH - 10) }
       /FROM onboarding_members m$/ { trigger = "member_step_pending" }
       /FROM onboarding_organizations oo$/ { trigger = "organization_step_pending" }
       /FROM invitations i$/ { trigger = "invitation_pending" }
       /FROM subscriptions s$/ { trigger = "trial_ending" }
       /actual .*rows=[0-9]+ loops=[0-9]+/ { match($0, /rows=[0-9]+ loops=[0-9]+\)/); split(substr($0, RSTART, RLENGTH), a, /[= )]/)
         if (!top) top = a[2]; if (a[2] * a[4] > most) most = a[2] * a[4] }
       END { out() }' "$1" | sort
}
join -t $'\t' <(summary "$out/plans.txt") <(summary "$out/plans-untimed.txt" | cut -f1,2) |
  awk -F'\t' 'BEGIN { printf "  %-26s %12s %12s %7s %s\n", "trigger", "timed", "untimed", "rows", "busiest node (rows x loops)" }
               { printf "  %-26s %12s %12s %7s %s\n", $1, $2, $5, $3, $4 }'
seqscans=$(grep -o 'Seq Scan on [a-z_]*' "$out/plans.txt" | sort | uniq -c | tr -s ' ' | paste -sd, || true)
echo "sequential scans in the plans: ${seqscans:-none}"

# 2. The sweep, timed: dry run, then for real.
timed() { # name, args...
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  bin/onramp nudges run "$@" >"$out/$name.lines" 2>"$out/$name.log"
  t1=$(date +%s.%N)
  printf '%s: %.1f s wall; %s\n' "$name" "$(echo "$t1 - $t0" | bc)" "$(grep -v 'level=' "$out/$name.log" | tail -n 1)"
  awk -F'\t' '{ n[$1 "\t" $3]++ } END { for (k in n) print "  " k "\t" n[k] }' "$out/$name.lines" | sort
}
timed dry-run --dry-run
timed real
psql "$DATABASE_URL" -Atc "SELECT 'queued: ' || (SELECT count(*) FROM river_job WHERE kind = 'send_email') || ' emails in River, ' ||
  (SELECT count(*) FROM sent_emails WHERE kind = 'nudge') || ' sent_emails rows, ' ||
  (SELECT count(*) FROM nudge_sends WHERE decided_at > (SELECT at FROM bench_loaded)) || ' decisions recorded'"
